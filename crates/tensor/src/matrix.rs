//! [`Matrix`]: a dense, row-major, contiguous matrix; rows are samples everywhere in handgrad.
//!
//! faer's own `Mat` pads its columns, so it is not one flat slice. handgrad keeps a plain `Vec`
//! (element `(i, j)` at `i * cols + j`) and hands faer a strided view of it
//! ([`Matrix::as_faer`]) for GEMM and factorisations. A bias vector is a `(1, m)` matrix, so
//! parameters and their gradients always share this one type.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use faer::{MatMut, MatRef};

use crate::Scalar;

/// A dense row-major matrix of shape `(rows, cols)` stored in one contiguous `Vec`.
#[derive(Clone, PartialEq)]
pub struct Matrix<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T: Scalar> Matrix<T> {
    /// A `(rows, cols)` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self { data: vec![T::ZERO; rows * cols], rows, cols }
    }

    /// A `(rows, cols)` matrix with every element equal to `value`.
    pub fn full(rows: usize, cols: usize, value: T) -> Self {
        Self { data: vec![value; rows * cols], rows, cols }
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
        Self { data, rows, cols }
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
        Self { data, rows: rows.len(), cols }
    }

    /// A `(rows, cols)` matrix with element `(i, j)` = `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self { data, rows, cols }
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
        self.data.len()
    }

    /// `true` when the matrix has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// All elements, row-major.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// All elements, row-major, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Consumes the matrix, returning its row-major elements.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Row `i`: `(cols,)`.
    #[inline]
    #[track_caller]
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows, "row {i} out of range for shape {:?}", self.shape());
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable: `(cols,)`.
    #[inline]
    #[track_caller]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows, "row {i} out of range for shape {:?}", self.shape());
        let c = self.cols;
        &mut self.data[i * c..(i + 1) * c]
    }

    /// Iterator over the rows.
    pub fn row_iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        // `max(1)` keeps `chunks_exact` valid for zero-column matrices; they have no elements anyway.
        self.data.chunks_exact(self.cols.max(1)).take(self.rows)
    }

    /// Element `(i, j)`.
    #[inline]
    #[track_caller]
    pub fn get(&self, i: usize, j: usize) -> T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        self.data[i * self.cols + j]
    }

    /// Sets element `(i, j)`.
    #[inline]
    #[track_caller]
    pub fn set(&mut self, i: usize, j: usize, value: T) {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range for shape {:?}", self.shape());
        self.data[i * self.cols + j] = value;
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        self.data.fill(value);
    }

    /// Copies `src` into `self`.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn copy_from(&mut self, src: &Matrix<T>) {
        assert_same_shape("Matrix::copy_from", self, src);
        self.data.copy_from_slice(&src.data);
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
        self.data.resize(rows * cols, T::ZERO);
        self.rows = rows;
        self.cols = cols;
    }

    /// The transpose as a new `(cols, rows)` matrix.
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.cols, self.rows, |i, j| self.data[j * self.cols + i])
    }

    /// Converts every element to another scalar type.
    pub fn cast<U: Scalar>(&self) -> Matrix<U> {
        Matrix { data: self.data.iter().map(|&x| U::from_f64(x.to_f64())).collect(), rows: self.rows, cols: self.cols }
    }

    /// A faer view of this matrix (row stride `cols`, column stride 1).
    #[inline]
    pub fn as_faer(&self) -> MatRef<'_, T> {
        MatRef::from_row_major_slice(&self.data, self.rows, self.cols)
    }

    /// A mutable faer view of this matrix.
    #[inline]
    pub fn as_faer_mut(&mut self) -> MatMut<'_, T> {
        MatMut::from_row_major_slice_mut(&mut self.data, self.rows, self.cols)
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
