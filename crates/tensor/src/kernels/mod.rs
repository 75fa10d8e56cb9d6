//! Which build of handgrad's f32 kernels runs: [`KernelPath`], chosen once per process from the
//! CPU and the `HANDGRAD_KERNELS` environment variable, and forced per thread in tests and
//! benchmarks with [`with_path`].
//!
//! | path | GEMM helpers (f32) | CIFAR gather (HWC) |
//! | --- | --- | --- |
//! | `portable` | faer (which picks its own SIMD) | the plain loop, x86-64 baseline (SSE2) |
//! | `avx2` | handgrad's AVX2 + FMA kernel (`kernels/avx2.rs`) where it is faster, else faer | AVX2 build |
//! | `avx512` | the skinny AVX-512 kernel (`skinny.rs`) for weight gradients ≤ 128 wide, else faer | AVX-512 build |
//!
//! f64 always goes to faer. **Selection**: without `HANDGRAD_KERNELS` (or with `auto`), the best
//! path the CPU supports (`avx512` needs AVX-512F, `avx2` needs AVX2 and FMA). With
//! `HANDGRAD_KERNELS=portable|avx2|avx512` that path is forced, so one machine can A/B them
//! (an AVX-512 machine can measure the AVX2 path). **Forcing a path the CPU lacks falls back**
//! to the best path it has, and [`selection`] records what was asked, what runs and why
//! ([`Selection::honoured`], [`Selection::fallback`]; the library prints nothing: a program says
//! it, as `cargo xtask` does on stderr): training goes on (only speed differs), while a benchmark
//! (`cargo xtask bench-compare`) refuses to label one path's numbers with another's name. An
//! unknown value is treated the same way (fallback message, best path).
//!
//! The variable is read once, at the first product (or the first call to [`active`]).
//! Without the `std` feature (no CPU detection) or off x86-64 the only path is `portable`.

#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod avx2;
#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
mod avx2_tests;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod peak;
pub(crate) mod route;

use core::fmt;
use core::str::FromStr;

/// The environment variable that forces a [`KernelPath`].
pub const ENV_VAR: &str = "HANDGRAD_KERNELS";

/// A build of the f32 kernels (see the module docs for what each one runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KernelPath {
    /// No handgrad SIMD kernels: faer for products, baseline x86-64 code elsewhere.
    Portable,
    /// AVX2 + FMA kernels.
    Avx2,
    /// AVX-512 kernels.
    Avx512,
}

impl KernelPath {
    /// Every path, slowest first.
    pub const ALL: [KernelPath; 3] = [KernelPath::Portable, KernelPath::Avx2, KernelPath::Avx512];

    /// The name used by `HANDGRAD_KERNELS`: `portable`, `avx2` or `avx512`.
    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Portable => "portable",
            KernelPath::Avx2 => "avx2",
            KernelPath::Avx512 => "avx512",
        }
    }

    /// `true` when this CPU can run the path (`portable` always; without `std` only `portable`).
    pub fn is_supported(self) -> bool {
        match self {
            KernelPath::Portable => true,
            KernelPath::Avx2 => cpu_has_avx2_fma(),
            KernelPath::Avx512 => cpu_has_avx512(),
        }
    }

    /// The fastest path this CPU supports.
    pub fn best() -> Self {
        best_of(Self::is_supported)
    }
}

impl fmt::Display for KernelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `HANDGRAD_KERNELS` value that names no path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPath;

impl fmt::Display for UnknownPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a kernel path: use portable, avx2, avx512 or auto")
    }
}

impl FromStr for KernelPath {
    type Err = UnknownPath;
    fn from_str(s: &str) -> Result<Self, UnknownPath> {
        match s.trim().to_ascii_lowercase().as_str() {
            "portable" => Ok(KernelPath::Portable),
            "avx2" => Ok(KernelPath::Avx2),
            "avx512" => Ok(KernelPath::Avx512),
            _ => Err(UnknownPath),
        }
    }
}

/// What the process asked for and what it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The value of `HANDGRAD_KERNELS`, if set (and not empty).
    pub requested: Option<alloc::string::String>,
    /// The path that runs.
    pub active: KernelPath,
    /// Why the request was not followed, when it was not (for the program to show its user).
    pub fallback: Option<alloc::string::String>,
}

impl Selection {
    /// `true` unless a forced path was replaced by another.
    pub fn honoured(&self) -> bool {
        self.fallback.is_none()
    }

    /// Resolves a request (`HANDGRAD_KERNELS`'s value) against what the CPU supports: a pure
    /// function, so the rules are testable on any machine (see the module docs).
    pub fn resolve(requested: Option<&str>, supported: impl Fn(KernelPath) -> bool) -> Self {
        use alloc::format;
        let requested = requested.map(str::trim).filter(|s| !s.is_empty());
        let best = best_of(&supported);
        let (active, fallback) = match requested {
            None => (best, None),
            Some(s) if s.eq_ignore_ascii_case("auto") => (best, None),
            Some(s) => match s.parse::<KernelPath>() {
                Ok(p) if supported(p) => (p, None),
                Ok(p) => (best, Some(format!("{ENV_VAR}={s}: this CPU cannot run the {p} kernels; running {best}"))),
                Err(e) => (best, Some(format!("{ENV_VAR}={s}: {e}; running {best}"))),
            },
        };
        Selection { requested: requested.map(alloc::string::ToString::to_string), active, fallback }
    }
}

/// The fastest path for which `supported` holds (`portable` always qualifies).
fn best_of(supported: impl Fn(KernelPath) -> bool) -> KernelPath {
    KernelPath::ALL
        .into_iter()
        .rev()
        .find(|&p| p == KernelPath::Portable || supported(p))
        .unwrap_or(KernelPath::Portable)
}

/// The process-wide selection: `HANDGRAD_KERNELS` and the CPU, resolved at the first call.
#[cfg(feature = "std")]
pub fn selection() -> &'static Selection {
    static SELECTION: std::sync::OnceLock<Selection> = std::sync::OnceLock::new();
    SELECTION.get_or_init(|| {
        let requested = std::env::var(ENV_VAR).ok();
        Selection::resolve(requested.as_deref(), KernelPath::is_supported)
    })
}

/// The path the products of this thread run: the one forced by an enclosing [`with_path`] on
/// this thread, else the process-wide [`selection`].
pub fn active() -> KernelPath {
    #[cfg(feature = "std")]
    {
        FORCED.with(|f| f.get()).unwrap_or_else(|| selection().active)
    }
    #[cfg(not(feature = "std"))]
    KernelPath::Portable
}

#[cfg(feature = "std")]
std::thread_local! {
    static FORCED: core::cell::Cell<Option<KernelPath>> = const { core::cell::Cell::new(None) };
}

/// Runs `f` with `path` forced on the calling thread (products split over threads inherit it),
/// then restores the previous choice: for tests and benchmarks that compare paths in one run.
///
/// # Panics
/// If the CPU cannot run `path` (check [`KernelPath::is_supported`] first).
#[cfg(feature = "std")]
#[track_caller]
pub fn with_path<R>(path: KernelPath, f: impl FnOnce() -> R) -> R {
    assert!(path.is_supported(), "kernels::with_path: this CPU cannot run the {path} kernels");
    struct Restore(Option<KernelPath>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.with(|f| f.set(self.0));
        }
    }
    let _restore = Restore(FORCED.with(|f| f.replace(Some(path))));
    f()
}

fn cpu_has_avx2_fma() -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    return std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    false
}

fn cpu_has_avx512() -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    return std::arch::is_x86_feature_detected!("avx512f") && cpu_has_avx2_fma();
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    false
}
