//! [`Workspace`]: the scratch memory of the Cholesky routines and the threads they run on.
//!
//! faer's factorisation and inversion take their temporaries from a caller-provided stack (a
//! `MemBuffer`). Sizing it once for the largest matrix and reusing it keeps a GP-LVM evaluation
//! free of allocations.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt::{factor, inverse};

use crate::Par;

/// Scratch memory for [`super::cholesky_in_place`] and [`super::inverse_from_factor`] on matrices
/// up to `(n, n)`, and the [`Par`] they run on.
pub struct Workspace {
    n: usize,
    par: Par,
    mem: MemBuffer,
}

impl Workspace {
    /// Scratch for matrices up to `(n, n)`, used with `par` (`Par::Seq` is handgrad's default).
    /// Allocates about `8·n²` bytes (the inverse needs an `(n, n)` temporary).
    pub fn new(n: usize, par: Par) -> Self {
        let req = StackReq::any_of(&[
            factor::cholesky_in_place_scratch::<f64>(n, par, Default::default()),
            inverse::inverse_scratch::<f64>(n, par),
        ]);
        Self { n, par, mem: MemBuffer::new(req) }
    }

    /// The largest dimension `n` this workspace serves.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The threads the routines using this workspace run on.
    pub fn par(&self) -> Par {
        self.par
    }

    /// The scratch stack, after checking that it was sized for `(n, n)`.
    ///
    /// # Panics
    /// If `n` exceeds [`Self::dim`].
    #[track_caller]
    pub(super) fn stack(&mut self, what: &str, n: usize) -> &mut MemStack {
        assert!(
            n <= self.n,
            "{what}: a ({n}, {n}) matrix needs a Workspace for n ≥ {n}, this one is for n = {}",
            self.n
        );
        MemStack::new(&mut self.mem)
    }
}
