//! Embeds the built-in corpora: every `manifests/<id>.toml` becomes an entry of
//! `EMBEDDED_MANIFESTS` (id, text), so adding a manifest file is what registers a corpus.
use std::fmt::Write;

fn main() {
    // Read when the script runs, not baked in when it compiles: a build script compiled for a
    // checkout elsewhere (a shared CARGO_TARGET_DIR) must still read this checkout's manifests.
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let folder = std::path::Path::new(&root).join("manifests");
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut manifests: Vec<_> = std::fs::read_dir(&folder)
        .expect("manifests/ is part of the crate")
        .map(|entry| entry.expect("manifests/ is readable").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "toml"))
        .collect();
    manifests.sort();
    let mut code = String::from(
        "/// Every `manifests/<id>.toml` of the crate, by id.\npub static EMBEDDED_MANIFESTS: &[(&str, &str)] = &[\n",
    );
    for path in &manifests {
        println!("cargo:rerun-if-changed={}", path.display());
        let id = path.file_stem().and_then(|stem| stem.to_str()).expect("manifest names are UTF-8");
        writeln!(code, "    ({id:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_manifests.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
