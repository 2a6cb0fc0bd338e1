//! A minimal zip writer (stored entries) that writes entry names as given bytes, with or
//! without the UTF-8 flag, as old tools did: the zip crate's writer would always flag
//! non-ASCII names as UTF-8, so it cannot make the CP437 archives the fetch tests need.

pub struct Entry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    /// Sets general-purpose flag bit 11 (the name is UTF-8).
    pub utf8_flag: bool,
    /// A Unix symbolic link whose target is `data`.
    pub symlink: bool,
}

impl Entry {
    pub fn file(name: impl Into<Vec<u8>>, data: impl Into<Vec<u8>>) -> Entry {
        Entry { name: name.into(), data: data.into(), utf8_flag: false, symlink: false }
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// CP437 bytes for a name: ASCII as is, the accented letters the corpora use mapped.
pub fn cp437(name: &str) -> Vec<u8> {
    name.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'é' => 0x82,
            'â' => 0x83,
            'à' => 0x85,
            'ç' => 0x87,
            'ê' => 0x88,
            'è' => 0x8A,
            'ô' => 0x93,
            'û' => 0x96,
            other => panic!("no CP437 byte for {other:?} in this test helper"),
        })
        .collect()
}

pub fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let flags: u16 = if entry.utf8_flag { 1 << 11 } else { 0 };
        let crc = crc32(&entry.data);
        let size = entry.data.len() as u32;
        let is_dir = entry.name.ends_with(b"/");
        let mode: u32 = if entry.symlink {
            0o120777
        } else if is_dir {
            0o040755
        } else {
            0o100644
        };
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&flags.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(&entry.name);
        out.extend_from_slice(&entry.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&0x031Eu16.to_le_bytes()); // made by: Unix, 3.0
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&((mode << 16) | if is_dir { 0x10 } else { 0 }).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&entry.name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn crc32_of_a_known_string() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}
