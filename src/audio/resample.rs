//! Streaming sample-rate conversion to 16 kHz, bit-for-bit the same on every machine.
//!
//! The filter is a linear-phase windowed sinc (Kaiser window, 90 dB stop band; pass band to
//! 87.5 % of the lower Nyquist frequency, stop band from that Nyquist frequency on) applied in
//! polyphase form at the exact rational ratio 16000/rate: output frame k sits at input position
//! k·rate/16000, and its coefficients are the filter sampled at that position's phase. The
//! kernel is linear-phase and centred, so there is no delay to trim, and the output is exactly
//! ceil(frames × 16000 / rate) frames long.
//!
//! Why not an FFT resampler (rubato's `Fft`, which we used first): FFT libraries pick AVX, SSE
//! or scalar code at run time, and each path rounds differently, so the same WAV could give a
//! different sample — and file_id — on another CPU. Here every output is a dot product summed
//! in one fixed order (32 interleaved partial sums, tap j into sum j mod 32, then a fixed
//! pairwise combination), with plain IEEE-754 multiplies and adds: Rust never fuses them into
//! FMAs, and SIMD code may only map the 32 sums onto vector lanes, which does not change any
//! result. So the AVX form (four 256-bit registers of eight sums), the AVX-512 form (two
//! 512-bit registers of sixteen sums; both chosen at run time when the CPU has them) and the
//! plain Rust form give identical bits; tests check every form the machine runs, and
//! `CAMEO_SIMD=portable|avx|avx512` forces one for a whole run. The vector forms compute
//! several outputs at a time (eight, then four, with AVX-512, two with AVX) that share a
//! coefficient row (outputs `up` apart have the same phase): one load of the row serves them
//! all, and their independent sums hide the add latency; each output's own order of
//! operations is unchanged. The coefficients are computed in f64 with the `libm` crate (a
//! software libm), not the platform's, so they too are the same everywhere.
//!
//! Samples and coefficients are f32: the 24-bit mantissa is far below the 16-bit output's
//! step and the 90 dB stop band, and it halves the work per tap against f64, the resampler
//! being most of a build's time.
use super::AudioError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const STOPBAND_DB: f64 = 90.0;
/// Pass-band edge as a fraction of the lower of the two Nyquist frequencies.
const PASS_FRACTION: f64 = 0.875;
/// Interleaved partial sums of a dot product (the fixed summation order).
const LANES: usize = 32;

/// The polyphase filter for one source rate.
struct Kernel {
    /// 16000 = up · g and rate = down · g with g = gcd(rate, 16000).
    up: u64,
    down: u64,
    /// Coefficients per phase, a multiple of LANES.
    taps: usize,
    /// Phase-major: row p weights input frames n − taps/2 + 1 … n + taps/2 for the output at
    /// input position n + p/up.
    coefficients: Vec<f32>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The zeroth-order modified Bessel function of the first kind, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let quarter_x2 = x * x / 4.0;
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..200 {
        term *= quarter_x2 / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

impl Kernel {
    fn new(rate: u32) -> Kernel {
        let canonical = super::CANONICAL_RATE as u64;
        let g = gcd(rate as u64, canonical);
        let (up, down) = (canonical / g, rate as u64 / g);
        let nyquist = rate.min(super::CANONICAL_RATE) as f64 / 2.0;
        let (pass, stop) = (PASS_FRACTION * nyquist, nyquist);
        // Everything below is in input frames: cut-off in cycles per frame, width in frames.
        let cutoff = (pass + stop) / 2.0 / rate as f64;
        let transition = (stop - pass) / rate as f64;
        // Kaiser's estimates of the window length and shape for the wanted attenuation.
        let length = (STOPBAND_DB - 7.95) / (2.285 * 2.0 * std::f64::consts::PI * transition);
        let half_width = length / 2.0;
        let beta = 0.1102 * (STOPBAND_DB - 8.7);
        let taps = (2 * half_width.ceil() as usize).div_ceil(LANES) * LANES;
        let i0_beta = bessel_i0(beta);
        let mut coefficients = Vec::with_capacity(up as usize * taps);
        let mut row = Vec::with_capacity(taps);
        for phase in 0..up {
            let offset = phase as f64 / up as f64 + (taps / 2 - 1) as f64;
            row.clear();
            for j in 0..taps {
                let t = offset - j as f64;
                let value = if t.abs() >= half_width {
                    0.0
                } else {
                    let x = 2.0 * cutoff * t;
                    let sinc =
                        if x == 0.0 { 1.0 } else { libm::sin(std::f64::consts::PI * x) / (std::f64::consts::PI * x) };
                    let u = t / half_width;
                    2.0 * cutoff * sinc * bessel_i0(beta * libm::sqrt(1.0 - u * u)) / i0_beta
                };
                row.push(value);
            }
            // Unit gain at DC for every phase (to f32 precision), so a constant stays constant.
            let sum: f64 = row.iter().sum();
            coefficients.extend(row.iter().map(|c| (c / sum) as f32));
        }
        Kernel { up, down, taps, coefficients }
    }

    /// Shared kernels: a build converts thousands of files at a handful of rates.
    fn for_rate(rate: u32) -> Arc<Kernel> {
        static KERNELS: OnceLock<Mutex<HashMap<u32, Arc<Kernel>>>> = OnceLock::new();
        let kernels = KERNELS.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(kernel) = kernels.lock().unwrap_or_else(|poison| poison.into_inner()).get(&rate) {
            return kernel.clone();
        }
        // Built outside the lock: other rates need not wait for this one.
        let kernel = Arc::new(Kernel::new(rate));
        kernels.lock().unwrap_or_else(|poison| poison.into_inner()).entry(rate).or_insert(kernel).clone()
    }
}

/// The forms of the dot product; all give the same bits (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdPath {
    /// Plain Rust, any CPU.
    Portable,
    /// x86-64 AVX: four 256-bit registers of eight partial sums per output.
    Avx,
    /// x86-64 AVX-512F: two 512-bit registers of sixteen partial sums per output.
    Avx512,
}

/// The environment variable that forces one form (`portable`, `avx`, `avx512`), for tests and
/// benchmarks; unset, the fastest the CPU runs is used.
pub const SIMD_ENV: &str = "CAMEO_SIMD";

impl SimdPath {
    pub fn name(self) -> &'static str {
        match self {
            SimdPath::Portable => "portable",
            SimdPath::Avx => "avx",
            SimdPath::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the form.
    pub fn runs_here(self) -> bool {
        match self {
            SimdPath::Portable => true,
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx => std::arch::is_x86_feature_detected!("avx"),
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every form this CPU runs.
    pub fn all_here() -> Vec<SimdPath> {
        [SimdPath::Portable, SimdPath::Avx, SimdPath::Avx512].into_iter().filter(|path| path.runs_here()).collect()
    }

    /// The form conversions use: the one `CAMEO_SIMD` names when this CPU runs it, else the
    /// fastest this CPU runs. Decided once per process.
    pub fn current() -> SimdPath {
        static CURRENT: OnceLock<SimdPath> = OnceLock::new();
        *CURRENT.get_or_init(|| SimdPath::forced().unwrap_or_else(SimdPath::fastest_here))
    }

    /// The form `CAMEO_SIMD` forces, if it names one this CPU runs (warned once otherwise).
    pub fn forced() -> Option<SimdPath> {
        static FORCED: OnceLock<Option<SimdPath>> = OnceLock::new();
        *FORCED.get_or_init(|| {
            let wanted = std::env::var(SIMD_ENV).ok()?;
            let path = SimdPath::all_here().into_iter().find(|path| path.name() == wanted);
            if path.is_none() {
                let fastest = SimdPath::fastest_here().name();
                eprintln!("warning: {SIMD_ENV}={wanted} is not a form this CPU runs; using {fastest}");
            }
            path
        })
    }

    fn fastest_here() -> SimdPath {
        *SimdPath::all_here().last().expect("the portable form runs everywhere")
    }
}

/// Combines the partial sums in a fixed pairwise tree: sum i with sum i + 16, then i + 8, …
fn combine(mut sums: [f32; LANES]) -> f32 {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for lane in 0..width {
            sums[lane] += sums[lane + width];
        }
    }
    sums[0]
}

/// The dot product in its fixed summation order (see the module comment), in plain Rust, of
/// two equally long slices whose length is a multiple of LANES.
fn dot_portable(x: &[f32], h: &[f32]) -> f32 {
    let mut sums = [0.0f32; LANES];
    for (xs, hs) in x.chunks_exact(LANES).zip(h.chunks_exact(LANES)) {
        for lane in 0..LANES {
            sums[lane] += xs[lane] * hs[lane];
        }
    }
    combine(sums)
}

/// `N` dot products of the windows of `x` starting at `starts` with one row `h` (`taps` long,
/// a multiple of LANES), with AVX: per output, four 8-lane registers hold the 32 partial sums.
/// A multiply then an add, never fused (AVX alone has no FMA), as in [`dot_portable`]; the
/// combination is [`combine`]'s tree, done in registers.
///
/// # Safety
/// The CPU must have AVX, and every `starts[i] + taps <= x.len()`, `taps <= h.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn dots_avx<const N: usize>(x: &[f32], starts: [usize; N], h: &[f32], taps: usize) -> [f32; N] {
    use std::arch::x86_64::*;
    let mut sums = [[_mm256_setzero_ps(); LANES / 8]; N];
    let h = h.as_ptr();
    let xs = starts.map(|start| unsafe { x.as_ptr().add(start) });
    let mut j = 0;
    while j < taps {
        for k in 0..LANES / 8 {
            let coefficients = unsafe { _mm256_loadu_ps(h.add(j + 8 * k)) };
            for (sum, x) in sums.iter_mut().zip(xs) {
                let samples = unsafe { _mm256_loadu_ps(x.add(j + 8 * k)) };
                sum[k] = _mm256_add_ps(sum[k], _mm256_mul_ps(samples, coefficients));
            }
        }
        j += LANES;
    }
    sums.map(|[s0, s1, s2, s3]| {
        // Width 16: lanes 0..15 += 16..31; width 8: lanes 0..7 += 8..15.
        let eight = _mm256_add_ps(_mm256_add_ps(s0, s2), _mm256_add_ps(s1, s3));
        reduce8(eight)
    })
}

/// The last three steps of [`combine`] on eight sums in a register (widths 4, 2, 1).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn reduce8(eight: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    let four = _mm_add_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps(eight, 1));
    let two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    let one = _mm_add_ss(two, _mm_shuffle_ps(two, two, 1));
    _mm_cvtss_f32(one)
}

/// As [`dots_avx`] with AVX-512F: per output, two 16-lane registers hold the 32 partial sums.
///
/// # Safety
/// The CPU must have AVX-512F, and every `starts[i] + taps <= x.len()`, `taps <= h.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dots_avx512<const N: usize>(x: &[f32], starts: [usize; N], h: &[f32], taps: usize) -> [f32; N] {
    use std::arch::x86_64::*;
    let mut sums = [[_mm512_setzero_ps(); 2]; N];
    let h = h.as_ptr();
    let xs = starts.map(|start| unsafe { x.as_ptr().add(start) });
    let mut j = 0;
    while j < taps {
        for k in 0..2 {
            let coefficients = unsafe { _mm512_loadu_ps(h.add(j + 16 * k)) };
            for (sum, x) in sums.iter_mut().zip(xs) {
                let samples = unsafe { _mm512_loadu_ps(x.add(j + 16 * k)) };
                sum[k] = _mm512_add_ps(sum[k], _mm512_mul_ps(samples, coefficients));
            }
        }
        j += LANES;
    }
    sums.map(|[low, high]| {
        // Width 16: lanes 0..15 += 16..31; width 8: lanes 0..7 += 8..15.
        let sixteen = _mm512_add_ps(low, high);
        let halves = _mm512_castps_pd(sixteen);
        let eight = _mm256_add_ps(
            _mm256_castpd_ps(_mm512_castpd512_pd256(halves)),
            _mm256_castpd_ps(_mm512_extractf64x4_pd(halves, 1)),
        );
        reduce8(eight)
    })
}

/// A run of consecutive outputs of one drain: output `i` (`0 <= i < count`) is at input
/// position `(phase + i · down) / up` frames after the window start `start` (in the buffer), so
/// its window begins at `start + ⌊(phase + i · down) / up⌋` and its coefficient row is phase
/// `(phase + i · down) mod up`. Outputs `up` apart share a row, their windows `down` apart.
#[derive(Debug, Clone, Copy)]
struct Outputs {
    start: usize,
    phase: u64,
    count: usize,
    up: u64,
    down: u64,
}

impl Outputs {
    /// The window start and coefficient row (phase) of output `i`.
    fn at(&self, i: usize) -> (usize, u64) {
        let position = self.phase + i as u64 * self.down;
        (self.start + (position / self.up) as usize, position % self.up)
    }
}

/// Computes every output of `outputs` into `out` with `path`: the dot product of its window of
/// `x` with its row of `coefficients` (`up` rows of `taps`).
fn dots(path: SimdPath, x: &[f32], coefficients: &[f32], taps: usize, outputs: &Outputs, out: &mut [f64]) {
    assert_eq!(outputs.count, out.len());
    if outputs.count == 0 {
        return;
    }
    // Windows start in increasing order and rows are below `up`: checking the last window and
    // the whole kernel bounds every access below.
    let (last_start, _) = outputs.at(outputs.count - 1);
    assert!(last_start + taps <= x.len(), "window out of bounds");
    assert!(outputs.up as usize * taps <= coefficients.len(), "kernel smaller than up rows of taps");
    let row_of = |phase: u64| &coefficients[phase as usize * taps..(phase as usize + 1) * taps];
    if path == SimdPath::Portable {
        for (i, out) in out.iter_mut().enumerate() {
            let (start, phase) = outputs.at(i);
            *out = dot_portable(&x[start..start + taps], row_of(phase)) as f64;
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        assert!(path.runs_here(), "{} does not run on this CPU", path.name());
        // SAFETY (every call below): the CPU runs `path` (asserted above) and every window
        // and row lies inside its slice (asserted above). AVX has 16 registers: two outputs
        // of four sums; AVX-512 has 32: eight outputs of two sums, then four for what is left.
        if path == SimdPath::Avx512 {
            grouped::<8, 4>(
                outputs,
                out,
                row_of,
                |starts, row| unsafe { dots_avx512(x, starts, row, taps) },
                |starts, row| unsafe { dots_avx512(x, starts, row, taps) },
                |start, row| unsafe { dots_avx512(x, [start], row, taps)[0] },
            );
        } else {
            grouped::<2, 2>(
                outputs,
                out,
                row_of,
                |starts, row| unsafe { dots_avx(x, starts, row, taps) },
                |starts, row| unsafe { dots_avx(x, starts, row, taps) },
                |start, row| unsafe { dots_avx(x, [start], row, taps)[0] },
            );
        }
    }
}

/// Runs the outputs in groups that share a coefficient row (`up` apart, windows `down`
/// apart): `W` at a time through `wide`, then `N` at a time through `narrow`, the rest one at
/// a time through `one`. The more outputs per group, the fewer loads of the row per output,
/// and a lone output is the slowest (its two or four sums wait on each add): eight at a time
/// took ~8 % off the resampler's samples in a `bench` build against four, and the four after
/// them keep the rows that have few outputs per drain (44.1 kHz: `up` is 160) off the lone
/// path.
#[cfg(target_arch = "x86_64")]
fn grouped<'k, const W: usize, const N: usize>(
    outputs: &Outputs,
    out: &mut [f64],
    row_of: impl Fn(u64) -> &'k [f32],
    wide: impl Fn([usize; W], &[f32]) -> [f32; W],
    narrow: impl Fn([usize; N], &[f32]) -> [f32; N],
    one: impl Fn(usize, &[f32]) -> f32,
) {
    let (up, down, count) = (outputs.up as usize, outputs.down as usize, outputs.count);
    for first in 0..up.min(count) {
        let (start, phase) = outputs.at(first);
        let row = row_of(phase);
        let mut next = (first, start);
        in_groups(&mut next, up, down, count, row, out, &wide);
        in_groups(&mut next, up, down, count, row, out, &narrow);
        let (mut i, mut window) = next;
        while i < count {
            out[i] = one(window, row) as f64;
            i += up;
            window += down;
        }
    }
}

/// Runs `G` outputs at a time through `dots` while `G` are left in this row, from `next`
/// (an output and its window start), which is left at the first output not computed.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn in_groups<const G: usize>(
    next: &mut (usize, usize),
    up: usize,
    down: usize,
    count: usize,
    row: &[f32],
    out: &mut [f64],
    dots: &impl Fn([usize; G], &[f32]) -> [f32; G],
) {
    let (mut i, mut window) = *next;
    while i + (G - 1) * up < count {
        let values = dots(std::array::from_fn(|g| window + g * down), row);
        for (g, value) in values.into_iter().enumerate() {
            out[i + g * up] = value as f64;
        }
        i += G * up;
        window += G * down;
    }
    *next = (i, window);
}

/// Converts a mono stream at `rate` Hz to 16 kHz.
pub struct To16k {
    kernel: Arc<Kernel>,
    path: SimdPath,
    /// Input frames; `buffer[0]` is frame `first` (negative: the zeros before the start).
    buffer: Vec<f32>,
    first: i64,
    frames_in: u64,
    /// Index of the next output frame, and its input position `next_n + next_phase / up`.
    next_out: u64,
    next_n: i64,
    next_phase: u64,
}

impl To16k {
    pub fn new(rate: u32) -> Result<Self, AudioError> {
        To16k::with_path(rate, SimdPath::current())
    }

    /// A converter using the given form of the dot product (which the CPU must run).
    pub fn with_path(rate: u32, path: SimdPath) -> Result<Self, AudioError> {
        if rate == 0 {
            return Err(AudioError::Resample("sample rate 0 Hz".into()));
        }
        if !path.runs_here() {
            return Err(AudioError::Resample(format!("the {} form does not run on this CPU", path.name())));
        }
        let kernel = Kernel::for_rate(rate);
        let history = kernel.taps / 2 - 1;
        Ok(To16k {
            buffer: vec![0.0; history],
            first: -(history as i64),
            kernel,
            path,
            frames_in: 0,
            next_out: 0,
            next_n: 0,
            next_phase: 0,
        })
    }

    /// Frames the whole output must have for the input seen so far.
    fn expected_output(&self) -> u64 {
        (self.frames_in * self.kernel.up).div_ceil(self.kernel.down)
    }

    /// Computes outputs while the buffer holds every input frame they need.
    fn drain_ready(&mut self, out: &mut Vec<f64>, limit: u64) {
        let kernel = &*self.kernel;
        let half = (kernel.taps / 2) as i64;
        let (up, down) = (kernel.up, kernel.down);
        let last_n = self.first + self.buffer.len() as i64 - 1 - half;
        let (n, phase) = (self.next_n, self.next_phase);
        // Output i of this drain sits at input position n + (phase + i · down) / up; those
        // below last_n + 1 have their whole window in the buffer.
        let count = if n <= last_n && self.next_out < limit {
            (((last_n + 1 - n) as u64 * up - phase).div_ceil(down)).min(limit - self.next_out)
        } else {
            0
        };
        let outputs = Outputs { start: (n - half + 1 - self.first) as usize, phase, count: count as usize, up, down };
        let at = out.len();
        out.resize(at + outputs.count, 0.0);
        dots(self.path, &self.buffer, &kernel.coefficients, kernel.taps, &outputs, &mut out[at..]);
        // Past the last output: the next one's position.
        let position = phase + count * down;
        self.next_out += count;
        self.next_n = n + (position / up) as i64;
        self.next_phase = position % up;
        // Drop the frames no later output needs.
        let keep_from = self.next_n - half + 1;
        if keep_from > self.first {
            let drop = ((keep_from - self.first) as usize).min(self.buffer.len());
            self.buffer.drain(..drop);
            self.first += drop as i64;
        }
    }
    /// Feeds input frames; appends every output frame that is ready.
    pub fn push(&mut self, input: &[f64], out: &mut Vec<f64>) -> Result<(), AudioError> {
        self.frames_in += input.len() as u64;
        let buffer = &mut self.buffer;
        super::widest::run_as(
            self.path,
            #[inline(always)]
            || buffer.extend(input.iter().map(|&x| x as f32)),
        );
        self.drain_ready(out, u64::MAX);
        Ok(())
    }

    /// Flushes the tail: zeros stand for the frames after the end.
    pub fn finish(&mut self, out: &mut Vec<f64>) -> Result<(), AudioError> {
        let limit = self.expected_output();
        self.buffer.resize(self.buffer.len() + self.kernel.taps, 0.0);
        self.drain_ready(out, limit);
        Ok(())
    }
}

/// The resampler in words, from its constants (for build.json).
pub fn description() -> String {
    format!(
        "polyphase Kaiser-windowed sinc ({STOPBAND_DB} dB, pass band {} % of the lower Nyquist), f32, fixed \
         summation order, no dither",
        PASS_FRACTION * 100.0
    )
}

// By hand: the kernel's coefficients are too many to print.
impl std::fmt::Debug for To16k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("To16k").field("path", &self.path).field("frames_in", &self.frames_in).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resample_all(rate: u32, input: &[f64], block: usize) -> Vec<f64> {
        let mut resampler = To16k::new(rate).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(block) {
            resampler.push(piece, &mut out).unwrap();
        }
        resampler.finish(&mut out).unwrap();
        out
    }

    fn tone(rate: u32, freq: f64, seconds: f64, amplitude: f64) -> Vec<f64> {
        let n = (rate as f64 * seconds) as usize;
        (0..n).map(|i| amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()).collect()
    }

    /// Amplitude of the `freq` component (single-bin DFT over a whole number of periods).
    fn amplitude_at(signal: &[f64], rate: u32, freq: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, x) in signal.iter().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64;
            re += x * phase.cos();
            im += x * phase.sin();
        }
        2.0 * (re * re + im * im).sqrt() / signal.len() as f64
    }

    #[test]
    fn output_length_is_the_rounded_up_duration() {
        for (rate, frames) in [(48_000, 48_000), (44_100, 44_101), (24_000, 7), (22_050, 100_000), (8_000, 1)] {
            let out = resample_all(rate, &vec![0.1; frames], 1000);
            assert_eq!(out.len() as u64, (frames as u64 * 16_000).div_ceil(rate as u64), "{rate}");
        }
    }

    #[test]
    fn a_1khz_tone_keeps_frequency_and_level() {
        for rate in [48_000, 44_100, 24_000] {
            let out = resample_all(rate, &tone(rate, 1000.0, 1.0, 0.5), 4096);
            // Skip the edges where the filter sees the start and end of the tone.
            let middle = &out[1600..14_400];
            let level = amplitude_at(middle, 16_000, 1000.0);
            assert!((level - 0.5).abs() < 0.001, "rate {rate}: level {level}");
            let off = amplitude_at(middle, 16_000, 1100.0);
            assert!(off < 0.01, "rate {rate}: energy at 1.1 kHz {off}");
        }
    }

    #[test]
    fn an_11khz_tone_at_48khz_is_suppressed_by_60_db() {
        let out = resample_all(48_000, &tone(48_000, 11_000.0, 1.0, 0.9), 4096);
        let middle = &out[1600..14_400];
        let rms = (middle.iter().map(|x| x * x).sum::<f64>() / middle.len() as f64).sqrt();
        let input_rms = 0.9 / 2f64.sqrt();
        let attenuation_db = 20.0 * (rms / input_rms).log10();
        assert!(attenuation_db < -60.0, "only {attenuation_db:.1} dB");
    }

    #[test]
    fn block_size_of_the_caller_does_not_change_the_output() {
        let input = tone(44_100, 440.0, 0.7, 0.3);
        assert_eq!(resample_all(44_100, &input, 333), resample_all(44_100, &input, 10_000));
    }

    fn attenuation_db(rate: u32, freq: f64) -> f64 {
        let out = resample_all(rate, &tone(rate, freq, 1.0, 0.9), 4096);
        let middle = &out[1600..14_400];
        let rms = (middle.iter().map(|x| x * x).sum::<f64>() / middle.len() as f64).sqrt();
        20.0 * (rms / (0.9 / 2f64.sqrt())).log10()
    }

    #[test]
    fn pass_band_is_flat_and_stop_band_is_below_the_16_bit_floor() {
        for rate in [48_000, 44_100, 22_050] {
            for freq in [300.0, 3_000.0, 6_500.0] {
                let db = attenuation_db(rate, freq);
                assert!(db.abs() < 0.05, "rate {rate}, {freq} Hz: {db:.3} dB");
            }
            for freq in [8_200.0, 9_500.0] {
                let db = attenuation_db(rate, freq);
                assert!(db < -85.0, "rate {rate}, {freq} Hz: only {db:.1} dB");
            }
        }
    }

    #[test]
    fn outputs_equal_the_filter_formula_evaluated_directly() {
        // The polyphase bookkeeping (phases, history, tail) against a plain convolution.
        let rate = 44_100;
        let input: Vec<f64> = (0..5_000).map(|i| ((i * 7_919) % 1_000) as f64 / 1_000.0 - 0.5).collect();
        let out = resample_all(rate, &input, 777);
        let kernel = Kernel::for_rate(rate);
        let half = (kernel.taps / 2) as i64;
        for k in [0u64, 1, 5, 159, 160, 1_000, out.len() as u64 - 1] {
            let position = k * kernel.down;
            let (n, phase) = ((position / kernel.up) as i64, (position % kernel.up) as usize);
            let mut expected = 0.0;
            for j in 0..kernel.taps {
                let index = n - half + 1 + j as i64;
                if (0..input.len() as i64).contains(&index) {
                    expected +=
                        input[index as usize] as f32 as f64 * kernel.coefficients[phase * kernel.taps + j] as f64;
                }
            }
            // f32 sums of ~300 terms of size <= 0.5: within 1e-6 of the exact value.
            assert!((out[k as usize] - expected).abs() < 1e-6, "output {k}: {} vs {expected}", out[k as usize]);
        }
    }

    #[test]
    fn upsampling_keeps_a_tone_and_a_constant() {
        let out = resample_all(8_000, &tone(8_000, 1_000.0, 1.0, 0.5), 1000);
        assert_eq!(out.len(), 16_000);
        let level = amplitude_at(&out[1600..14_400], 16_000, 1000.0);
        assert!((level - 0.5).abs() < 0.001, "level {level}");
        let constant = resample_all(11_025, &vec![0.25; 20_000], 999);
        for value in &constant[200..constant.len() - 200] {
            // A 16-bit step is 3e-5; f32 rounding stays two orders below it.
            assert!((value - 0.25).abs() < 3e-7, "{value}");
        }
    }

    fn draw_from(mut state: u64) -> impl FnMut() -> f32 {
        move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        }
    }

    #[test]
    fn every_form_of_the_dot_product_this_cpu_runs_gives_the_same_bits() {
        let mut draw = draw_from(0x2545_f491);
        let paths = SimdPath::all_here();
        eprintln!("forms checked on this CPU: {paths:?}");
        for taps in [32, 64, 288, 1_024] {
            let x: Vec<f32> = (0..taps + 40).map(|_| draw()).collect();
            let h: Vec<f32> = (0..taps).map(|_| draw() * 1e-3).collect();
            let expected = dot_portable(&x[..taps], &h).to_bits();
            // The order written out by hand, as a reference for what the lanes must do.
            let mut sums = [0.0f32; LANES];
            for j in 0..taps {
                sums[j % LANES] += x[j] * h[j];
            }
            let mut width = LANES;
            while width > 1 {
                width /= 2;
                for lane in 0..width {
                    sums[lane] += sums[lane + width];
                }
            }
            assert_eq!(sums[0].to_bits(), expected, "{taps} taps");
            // Every form, alone and in groups (outputs sharing a row `up` apart, windows
            // `down` apart, starting at any phase), against each output computed alone.
            for (up, down, phase) in [(1, 1, 0), (2, 1, 1), (5, 3, 2), (3, 7, 0)] {
                let h: Vec<f32> = (0..taps * up as usize).map(|_| draw() * 1e-3).collect();
                let outputs = Outputs { start: 1, phase, count: 37, up, down };
                let x: Vec<f32> = (0..taps + 2 + (37 * down / up) as usize).map(|_| draw()).collect();
                let reference: Vec<u32> = (0..37)
                    .map(|i| {
                        let (start, row) = outputs.at(i);
                        let row = row as usize * taps;
                        dot_portable(&x[start..start + taps], &h[row..row + taps]).to_bits()
                    })
                    .collect();
                for &path in &paths {
                    let mut out = vec![0.0; 37];
                    dots(path, &x, &h, taps, &outputs, &mut out);
                    let bits: Vec<u32> = out.iter().map(|&v| (v as f32).to_bits()).collect();
                    assert_eq!(bits, reference, "{path:?}, {taps} taps, up {up}, down {down}");
                }
            }
        }
    }

    #[test]
    fn every_form_this_cpu_runs_resamples_to_the_same_bits() {
        let mut draw = draw_from(7);
        for rate in [48_000, 44_100, 22_050, 8_000, 11_025, 32_000] {
            let input: Vec<f64> = (0..(rate as usize / 3 + 17)).map(|_| draw() as f64).collect();
            let run = |path: SimdPath| {
                let mut resampler = To16k::with_path(rate, path).unwrap();
                let mut out = Vec::new();
                for piece in input.chunks(4_099) {
                    resampler.push(piece, &mut out).unwrap();
                }
                resampler.finish(&mut out).unwrap();
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let reference = run(SimdPath::Portable);
            for path in SimdPath::all_here() {
                assert!(run(path) == reference, "{path:?} at {rate} Hz differs from the portable form");
            }
        }
    }

    #[test]
    fn a_form_the_cpu_lacks_is_refused() {
        for path in [SimdPath::Avx, SimdPath::Avx512] {
            assert_eq!(To16k::with_path(16_000, path).is_ok(), path.runs_here());
        }
    }
}
