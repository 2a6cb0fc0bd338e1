//! The size and SHA-256 of a downloaded file, read in one pass.
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
}

pub fn digest(path: &Path) -> std::io::Result<FileDigest> {
    crate::fsutil::sha256_file(path).map(|(sha256, bytes)| FileDigest { bytes, sha256 })
}

#[cfg(test)]
mod tests {
    #[test]
    fn digest_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        let digest = super::digest(&path).unwrap();
        assert_eq!(digest.bytes, 3);
        assert_eq!(digest.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
