//! Archive formats, told apart by file name, and the shell command that extracts each (shown
//! to users who extract by hand).
use crate::selection::shell_quote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Tar,
    TarGz,
    TarXz,
}

impl ArchiveKind {
    /// The format of a file by its name (case-insensitive), `None` when it is not an archive.
    pub fn from_name(name: &str) -> Option<ArchiveKind> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else if lower.ends_with(".tar") {
            Some(ArchiveKind::Tar)
        } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if lower.ends_with(".tar.xz") || lower.ends_with(".txz") {
            Some(ArchiveKind::TarXz)
        } else {
            None
        }
    }

    /// A command that extracts `archive` into the folder `into`.
    pub fn extract_command(self, archive: &str, into: &str) -> String {
        match self {
            ArchiveKind::Zip => format!("unzip {} -d {}", shell_quote(archive), shell_quote(into)),
            _ => format!("mkdir -p {into} && tar -xf {} -C {into}", shell_quote(archive), into = shell_quote(into)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        assert_eq!(ArchiveKind::from_name("CaFE_48k.ZIP"), Some(ArchiveKind::Zip));
        assert_eq!(ArchiveKind::from_name("raw_webm.tar.xz"), Some(ArchiveKind::TarXz));
        assert_eq!(ArchiveKind::from_name("a.tgz"), Some(ArchiveKind::TarGz));
        assert_eq!(ArchiveKind::from_name("a.tar"), Some(ArchiveKind::Tar));
        assert_eq!(ArchiveKind::from_name("metadata.csv"), None);
        assert_eq!(ArchiveKind::from_name("CREMA-D (git repository, AudioWAV/)"), None);
    }

    #[test]
    fn extract_commands_quote_paths() {
        assert_eq!(ArchiveKind::Zip.extract_command("raw/a b.zip", "raw/x"), "unzip 'raw/a b.zip' -d raw/x");
        assert_eq!(
            ArchiveKind::TarXz.extract_command("raw/e.tar.xz", "raw/emns"),
            "mkdir -p raw/emns && tar -xf raw/e.tar.xz -C raw/emns"
        );
    }
}
