//! The per-sample loops around the resampler (decoding to f64, downmixing, quantising,
//! widening for libFLAC) compiled for the widest vector registers the run uses.
//!
//! Such a loop is written once, in plain Rust, and [`run`] calls it inside a function built
//! for AVX or AVX-512 (the form [`SimdPath::current`] picks for the resampler, so
//! `CAMEO_SIMD` forces both): LLVM then vectorises it four or eight f64 lanes wide, where
//! baseline x86-64 code takes two. Why this cannot change a bit: the loops apply the same
//! IEEE-754 operations to each sample independently (conversions, multiplications and
//! divisions, comparisons, truncation, the sum of a frame's channels in channel order); a
//! vector lane computes exactly what a scalar does, and Rust never fuses or reorders float
//! arithmetic. The unit tests run each loop in every form the CPU has and compare bits, and
//! tests/simd_paths.rs compares whole builds across the forms.
use super::resample::SimdPath;

/// Runs `body` compiled for the current form. The closure must be marked
/// `#[inline(always)]` (and what it calls too): only code inlined into the wrapper built for a
/// form is compiled for it; a closure LLVM leaves out of line keeps baseline code (measured:
/// every loop here stayed out of line without the mark).
#[inline(always)]
pub fn run<R>(body: impl FnOnce() -> R) -> R {
    run_as(SimdPath::current(), body)
}

/// Runs `body` compiled for `path`, which must run on this CPU (the portable form always does).
#[inline(always)]
pub fn run_as<R>(path: SimdPath, body: impl FnOnce() -> R) -> R {
    match path {
        // SAFETY: SimdPath::current and the tests only name forms whose features the CPU has
        // (SimdPath::runs_here).
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx512 if path.runs_here() => unsafe { avx512(body) },
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx if path.runs_here() => unsafe { avx(body) },
        _ => body(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn avx<R>(body: impl FnOnce() -> R) -> R {
    body()
}
