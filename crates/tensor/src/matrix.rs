//! [`Matrix`]: a dense, row-major, contiguous matrix; rows are samples everywhere in handgrad.
//!
//! faer's own `Mat` pads its columns, so it is not one flat slice. handgrad keeps a plain `Vec`
//! (element `(i, j)` at `i * cols + j`) and hands faer a strided view of it
//! ([`Matrix::as_faer`]) for GEMM and factorisations. A bias vector is a `(1, m)` matrix, so
//! parameters and their gradients always share this one type.
//!
//! The first element sits on a 64-byte boundary ([`ALIGN_BYTES`]): the `Vec` is over-allocated by
//! one cache line and the matrix starts at the first aligned element. The allocator hands out
//! large blocks 16 bytes past a line boundary, so without this every full-width (64-byte) vector
//! store of the CIFAR batch gather straddled two lines; aligned, the gather of 200 rows took
//! 223 → 168 µs (same run, alternating).

use alloc::vec::Vec;
use core::fmt;

use faer::{MatMut, MatRef};

use crate::Scalar;

/// Alignment of every matrix's first element, in bytes: one cache line.
pub const ALIGN_BYTES: usize = 64;

/// A dense row-major matrix of shape `(rows, cols)` stored in one contiguous `Vec`, starting on
/// an [`ALIGN_BYTES`] boundary.
pub struct Matrix<T> {
    /// `off` padding elements, then the `rows · cols` elements.
    buf: Vec<T>,
    off: usize,
    rows: usize,
    cols: usize,
}

/// Elements to skip from `ptr` to the next [`ALIGN_BYTES`] boundary.
fn offset_to_aligned<T>(ptr: *const T) -> usize {
    let misalign = ptr as usize % ALIGN_BYTES;
    if misalign == 0 { 0 } else { (ALIGN_BYTES - misalign) / size_of::<T>() }
}

/// A buffer holding `n` copies of `value` from an aligned offset, with room to stay aligned.
fn aligned_buf<T: Scalar>(n: usize, value: T) -> (Vec<T>, usize) {
    let mut buf = Vec::with_capacity(n + ALIGN_BYTES / size_of::<T>());
    let off = offset_to_aligned(buf.as_ptr());
    buf.resize(off + n, value);
    (buf, off)
}

/// `data` moved (in place where the allocator allows) so that it starts on an aligned element.
fn align_vec<T: Scalar>(mut data: Vec<T>) -> (Vec<T>, usize) {
    let n = data.len();
    data.reserve_exact(ALIGN_BYTES / size_of::<T>());
    let off = offset_to_aligned(data.as_ptr());
    if off > 0 {
        data.resize(n + off, T::ZERO);
        data.copy_within(0..n, off);
    }
    (data, off)
}

impl<T: Scalar> Clone for Matrix<T> {
    fn clone(&self) -> Self {
        let (mut buf, off) = aligned_buf(self.len(), T::ZERO);
        buf[off..].copy_from_slice(self.as_slice());
        Self { buf, off, rows: self.rows, cols: self.cols }
    }
}

/// The empty `(0, 0)` matrix: the starting state of a buffer that is sized on first use.
impl<T: Scalar> Default for Matrix<T> {
    fn default() -> Self {
        Self::zeros(0, 0)
    }
}

/// `m[(i, j)]`: element `(i, j)`, as [`Matrix::get`].
impl<T: Scalar> core::ops::Index<(usize, usize)> for Matrix<T> {
    type Output = T;
    #[inline]
    #[track_caller]
    fn index(&self, (i, j): (usize, usize)) -> &T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        &self.as_slice()[i * self.cols + j]
    }
}

/// `m[(i, j)] = v`: element `(i, j)`, mutable, as [`Matrix::set`].
impl<T: Scalar> core::ops::IndexMut<(usize, usize)> for Matrix<T> {
    #[inline]
    #[track_caller]
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        let c = self.cols;
        &mut self.as_mut_slice()[i * c + j]
    }
}

impl<T: Scalar> PartialEq for Matrix<T> {
    fn eq(&self, other: &Self) -> bool {
        self.shape() == other.shape() && self.as_slice() == other.as_slice()
    }
}

impl<T: Scalar> Matrix<T> {
    /// A `(rows, cols)` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::full(rows, cols, T::ZERO)
    }

    /// A `(rows, cols)` matrix with every element equal to `value`.
    pub fn full(rows: usize, cols: usize, value: T) -> Self {
        let (buf, off) = aligned_buf(rows * cols, value);
        Self { buf, off, rows, cols }
    }

    /// Wraps row-major `data` as a `(rows, cols)` matrix.
    ///
    /// # Panics
    /// If `data.len() != rows * cols`.
    #[track_caller]
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "Matrix::from_vec: {} elements cannot form shape ({rows}, {cols})",
            data.len()
        );
        let (buf, off) = align_vec(data);
        Self { buf, off, rows, cols }
    }

    /// Builds a `(rows, cols)` matrix from nested rows (handy in tests and examples).
    ///
    /// # Panics
    /// If the rows have different lengths.
    #[track_caller]
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Self {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            assert_eq!(r.len(), cols, "Matrix::from_rows: row {i} has {} elements, row 0 has {cols}", r.len());
            data.extend_from_slice(r);
        }
        Self::from_vec(rows.len(), cols, data)
    }

    /// A `(rows, cols)` matrix with element `(i, j)` = `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self::from_vec(rows, cols, data)
    }

    /// Copies a faer view into a new row-major matrix.
    pub fn from_faer(m: MatRef<'_, T>) -> Self {
        Self::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)])
    }

    /// The `(n, n)` identity.
    pub fn identity(n: usize) -> Self {
        Self::from_fn(n, n, |i, j| if i == j { T::ONE } else { T::ZERO })
    }

    /// Number of rows (samples).
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (features).
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    #[inline]
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// `true` when the matrix has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All elements, row-major.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.buf[self.off..]
    }

    /// All elements, row-major, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[self.off..]
    }

    /// Consumes the matrix, returning its row-major elements (shifted to the front of the
    /// allocation: no copy into a new one).
    pub fn into_vec(self) -> Vec<T> {
        let mut buf = self.buf;
        buf.drain(..self.off);
        buf
    }

    /// Row `i`: `(cols,)`.
    #[inline]
    #[track_caller]
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows, "row {i} out of range for shape {:?}", self.shape());
        &self.as_slice()[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable: `(cols,)`.
    #[inline]
    #[track_caller]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows, "row {i} out of range for shape {:?}", self.shape());
        let c = self.cols;
        &mut self.as_mut_slice()[i * c..(i + 1) * c]
    }

    /// Iterator over the rows.
    pub fn row_iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        // `max(1)` keeps `chunks_exact` valid for zero-column matrices; they have no elements anyway.
        self.as_slice().chunks_exact(self.cols.max(1)).take(self.rows)
    }

    /// Element `(i, j)`.
    #[inline]
    #[track_caller]
    pub fn get(&self, i: usize, j: usize) -> T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        self.as_slice()[i * self.cols + j]
    }

    /// Sets element `(i, j)`.
    #[inline]
    #[track_caller]
    pub fn set(&mut self, i: usize, j: usize, value: T) {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        let c = self.cols;
        self.as_mut_slice()[i * c + j] = value;
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        self.as_mut_slice().fill(value);
    }

    /// Copies `src` into `self`.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn copy_from(&mut self, src: &Matrix<T>) {
        assert_same_shape("Matrix::copy_from", self, src);
        self.as_mut_slice().copy_from_slice(src.as_slice());
    }

    /// Changes the shape, keeping the elements in row-major order.
    ///
    /// # Panics
    /// If `rows * cols` differs from the number of elements.
    #[track_caller]
    pub fn reshape(mut self, rows: usize, cols: usize) -> Self {
        assert_eq!(rows * cols, self.len(), "cannot reshape {:?} into ({rows}, {cols})", self.shape());
        self.rows = rows;
        self.cols = cols;
        self
    }

    /// Resizes to `(rows, cols)`, reusing the allocation; contents become unspecified (zeros where new).
    /// Used to keep one buffer across batches of different sizes.
    pub fn resize(&mut self, rows: usize, cols: usize) {
        let n = rows * cols;
        if self.off + n <= self.buf.capacity() {
            // Within the allocation: the start does not move, so it stays aligned.
            self.buf.resize(self.off + n, T::ZERO);
        } else {
            let (mut buf, off) = aligned_buf(n, T::ZERO);
            let keep = self.len().min(n);
            buf[off..off + keep].copy_from_slice(&self.as_slice()[..keep]);
            (self.buf, self.off) = (buf, off);
        }
        self.rows = rows;
        self.cols = cols;
    }

    /// The transpose as a new `(cols, rows)` matrix.
    pub fn transpose(&self) -> Self {
        let data = self.as_slice();
        Self::from_fn(self.cols, self.rows, |i, j| data[j * self.cols + i])
    }

    /// Converts every element to another scalar type.
    pub fn cast<U: Scalar>(&self) -> Matrix<U> {
        Matrix::from_vec(self.rows, self.cols, self.as_slice().iter().map(|&x| U::from_f64(x.to_f64())).collect())
    }

    /// A faer view of this matrix (row stride `cols`, column stride 1).
    #[inline]
    pub fn as_faer(&self) -> MatRef<'_, T> {
        MatRef::from_row_major_slice(self.as_slice(), self.rows, self.cols)
    }

    /// A mutable faer view of this matrix.
    #[inline]
    pub fn as_faer_mut(&mut self) -> MatMut<'_, T> {
        let (rows, cols) = self.shape();
        MatMut::from_row_major_slice_mut(self.as_mut_slice(), rows, cols)
    }
}

impl<T: Scalar> fmt::Debug for Matrix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Matrix {}x{} [", self.rows, self.cols)?;
        let show_rows = self.rows.min(8);
        for i in 0..show_rows {
            let r = self.row(i);
            let show = r.len().min(8);
            write!(f, "  ")?;
            for x in &r[..show] {
                write!(f, "{:>12.5e} ", x.to_f64())?;
            }
            writeln!(f, "{}", if r.len() > show { "..." } else { "" })?;
        }
        if self.rows > show_rows {
            writeln!(f, "  ...")?;
        }
        write!(f, "]")
    }
}

/// Panics, naming both shapes, unless `a` and `b` have the same shape.
#[inline]
#[track_caller]
pub fn assert_same_shape<T: Scalar, U: Scalar>(what: &str, a: &Matrix<T>, b: &Matrix<U>) {
    assert!(a.shape() == b.shape(), "{what}: shape mismatch: {:?} vs {:?}", a.shape(), b.shape());
}

/// Panics, naming both shapes, unless `m` has shape `expected`.
#[inline]
#[track_caller]
pub fn assert_shape<T: Scalar>(what: &str, m: &Matrix<T>, expected: (usize, usize)) {
    assert!(m.shape() == expected, "{what}: expected shape {expected:?}, got {:?}", m.shape());
}
