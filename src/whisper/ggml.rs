//! Reads and checks a whisper.cpp ggml model file before whisper.cpp sees it.
//!
//! whisper.cpp's loader trusts its input: a wrong file makes it log to stderr and return null at
//! best, and read past the end or allocate from garbage sizes at worst. So the whole layout that
//! `whisper_model_load` (whisper.cpp 1.8.3, src/whisper.cpp) reads is walked here first: magic,
//! hyper-parameters, mel filters, vocabulary, then every tensor record, which must be exactly the
//! set of tensors whisper.cpp asks for, with its shapes and types, and fit in the file.
use std::collections::BTreeMap;

/// "ggml" read as a little-endian u32: the first four bytes of a whisper.cpp model.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;
/// whisper.cpp stores the quantisation version in the thousands of `ftype`.
const QNT_VERSION_FACTOR: i32 = 1000;
/// ggml type ids (ggml.h `enum ggml_type`).
const TYPE_F32: u32 = 0;
const TYPE_F16: u32 = 1;

/// The hyper-parameters of a ggml Whisper model, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
    pub ftype: i32,
}

/// What is wrong with a file that claims to be a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Another format altogether (the text says which, when known).
    NotGgml(String),
    /// A ggml file whose contents are impossible.
    Corrupt(String),
    /// A ggml file that ends before what its header announces.
    Truncated(String),
    /// A well-formed model that the bundled whisper.cpp cannot run.
    Unsupported(String),
}

/// A little-endian cursor over the file's bytes; running out is `Truncated` naming the part.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Problem> {
        match self.pos.checked_add(n).filter(|&end| end <= self.bytes.len()) {
            Some(end) => {
                let slice = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            None => Err(Problem::Truncated(format!(
                "{what} needs {n} bytes at offset {}, but the file is {} bytes",
                self.pos,
                self.bytes.len()
            ))),
        }
    }

    fn u32(&mut self, what: &str) -> Result<u32, Problem> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&mut self, what: &str) -> Result<i32, Problem> {
        Ok(self.u32(what)? as i32)
    }
}

/// What the first bytes of a non-ggml file look like, for the error message.
fn describe_other_format(bytes: &[u8]) -> String {
    if bytes.starts_with(b"GGUF") {
        return "a GGUF file (llama.cpp's format; whisper.cpp reads the older ggml format)".into();
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return "a zip archive (a PyTorch checkpoint?)".into();
    }
    // CTranslate2's model.bin: u32 binary version, then u16 length + NUL-terminated spec name.
    if bytes.len() >= 8 {
        let version = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let len = u16::from_le_bytes([bytes[4], bytes[5]]) as usize;
        if (1..=16).contains(&version) && (2..=64).contains(&len) && bytes.len() >= 6 + len {
            let name = &bytes[6..6 + len - 1];
            if bytes[6 + len - 1] == 0 && name.iter().all(u8::is_ascii_alphanumeric) && name.ends_with(b"Spec") {
                return format!("a CTranslate2 model (faster-whisper format, {})", String::from_utf8_lossy(name));
            }
        }
    }
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let shown: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("not a ggml file (first bytes {})", shown.join(" "))
}

/// The weight type of the big matrices for a model `ftype`, as ggml maps it
/// (`ggml_ftype_to_ggml_type`), limited to the types whisper.cpp models are published in.
fn weight_type(ftype: i32) -> Option<u32> {
    Some(match ftype {
        0 => TYPE_F32,
        1 => TYPE_F16,
        2 => 2,   // q4_0
        3 => 3,   // q4_1
        7 => 8,   // q8_0
        8 => 6,   // q5_0
        9 => 7,   // q5_1
        10 => 10, // q2_K
        11 => 11, // q3_K
        12 => 12, // q4_K
        13 => 13, // q5_K
        14 => 14, // q6_K
        24 => 30, // bf16
        _ => return None,
    })
}

/// (values per block, bytes per block) of a ggml type (ggml-common.h block structs).
fn type_layout(ggml_type: u32) -> Option<(u64, u64)> {
    Some(match ggml_type {
        0 => (1, 4),
        1 | 30 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        10 => (256, 84),
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        _ => return None,
    })
}

/// Checks the hyper-parameters against what whisper.cpp can run: its special-token ids are fixed
/// around a GPT-2 vocabulary (51,864 English-only, 51,865 multilingual, 51,866 large-v3), its
/// graphs assume 30 s windows (1,500 audio positions, 448 text positions) and one width for
/// encoder and decoder.
fn check_hparams(h: &Hparams) -> Result<(), Problem> {
    let bad = |what: &str, value: i32, allowed: &str| {
        Err(Problem::Corrupt(format!("implausible hyper-parameter {what} = {value} (expected {allowed})")))
    };
    if !(51_864..=51_866).contains(&h.n_vocab) {
        return bad("n_vocab", h.n_vocab, "51864 to 51866");
    }
    if !(1..=1500).contains(&h.n_audio_ctx) {
        return bad("n_audio_ctx", h.n_audio_ctx, "1 to 1500");
    }
    if !(1..=448).contains(&h.n_text_ctx) {
        return bad("n_text_ctx", h.n_text_ctx, "1 to 448");
    }
    for (what, value) in [("n_audio_head", h.n_audio_head), ("n_text_head", h.n_text_head)] {
        if !(1..=64).contains(&value) {
            return bad(what, value, "1 to 64");
        }
    }
    for (what, value) in [("n_audio_layer", h.n_audio_layer), ("n_text_layer", h.n_text_layer)] {
        if !(1..=64).contains(&value) {
            return bad(what, value, "1 to 64");
        }
    }
    if !(1..=4096).contains(&h.n_audio_state) || h.n_audio_state % h.n_audio_head != 0 {
        return bad("n_audio_state", h.n_audio_state, "1 to 4096, a multiple of n_audio_head");
    }
    if h.n_text_state != h.n_audio_state || h.n_text_state % h.n_text_head != 0 {
        return bad("n_text_state", h.n_text_state, "equal to n_audio_state, a multiple of n_text_head");
    }
    if h.n_mels != 80 && h.n_mels != 128 {
        return bad("n_mels", h.n_mels, "80 or 128");
    }
    if weight_type(h.ftype % QNT_VERSION_FACTOR).is_none() || h.ftype < 0 {
        return bad("ftype", h.ftype, "a ggml weight type: 0, 1, 2, 3, 7, 8, 9, 10 to 14 or 24");
    }
    if h.ftype % QNT_VERSION_FACTOR == 0 {
        // Checked by running it: whisper.cpp 1.8.3 keeps the conv kernels in f32 for such a file and
        // then aborts the whole process in ggml's im2col, which only takes f16 kernels.
        return Err(Problem::Unsupported(
            "all weights in f32 (ftype 0), which whisper.cpp 1.8.3 aborts on; use an f16 model (scripts/whisper-model writes one) or a quantised one".into(),
        ));
    }
    Ok(())
}

/// Every tensor whisper.cpp creates for these hyper-parameters: name → (ne padded to 4, type).
fn expected_tensors(h: &Hparams) -> BTreeMap<String, ([u64; 4], u32)> {
    let w = weight_type(h.ftype % QNT_VERSION_FACTOR).unwrap_or(TYPE_F16);
    // whisper.cpp keeps the conv kernels in f16 unless the whole model is f32.
    let conv = if w == TYPE_F32 { TYPE_F32 } else { TYPE_F16 };
    let (a, t) = (h.n_audio_state as u64, h.n_text_state as u64);
    let mut m = BTreeMap::new();
    let mut put = |name: String, ne: &[u64], ty: u32| {
        let mut padded = [1u64; 4];
        padded[..ne.len()].copy_from_slice(ne);
        m.insert(name, (padded, ty));
    };
    put("encoder.positional_embedding".into(), &[a, h.n_audio_ctx as u64], TYPE_F32);
    put("encoder.conv1.weight".into(), &[3, h.n_mels as u64, a], conv);
    put("encoder.conv1.bias".into(), &[1, a], TYPE_F32);
    put("encoder.conv2.weight".into(), &[3, a, a], conv);
    put("encoder.conv2.bias".into(), &[1, a], TYPE_F32);
    put("encoder.ln_post.weight".into(), &[a], TYPE_F32);
    put("encoder.ln_post.bias".into(), &[a], TYPE_F32);
    put("decoder.positional_embedding".into(), &[t, h.n_text_ctx as u64], TYPE_F32);
    put("decoder.token_embedding.weight".into(), &[t, h.n_vocab as u64], w);
    put("decoder.ln.weight".into(), &[t], TYPE_F32);
    put("decoder.ln.bias".into(), &[t], TYPE_F32);
    // One transformer block's attention: query/value/out with bias, key without (Whisper has none).
    let attention = |put: &mut dyn FnMut(String, &[u64], u32), prefix: String, s: u64| {
        put(format!("{prefix}_ln.weight"), &[s], TYPE_F32);
        put(format!("{prefix}_ln.bias"), &[s], TYPE_F32);
        for part in ["query", "key", "value", "out"] {
            put(format!("{prefix}.{part}.weight"), &[s, s], w);
            if part != "key" {
                put(format!("{prefix}.{part}.bias"), &[s], TYPE_F32);
            }
        }
    };
    let mlp = |put: &mut dyn FnMut(String, &[u64], u32), prefix: String, s: u64| {
        put(format!("{prefix}.mlp_ln.weight"), &[s], TYPE_F32);
        put(format!("{prefix}.mlp_ln.bias"), &[s], TYPE_F32);
        put(format!("{prefix}.mlp.0.weight"), &[s, 4 * s], w);
        put(format!("{prefix}.mlp.0.bias"), &[4 * s], TYPE_F32);
        put(format!("{prefix}.mlp.2.weight"), &[4 * s, s], w);
        put(format!("{prefix}.mlp.2.bias"), &[s], TYPE_F32);
    };
    for i in 0..h.n_audio_layer {
        attention(&mut put, format!("encoder.blocks.{i}.attn"), a);
        mlp(&mut put, format!("encoder.blocks.{i}"), a);
    }
    for i in 0..h.n_text_layer {
        attention(&mut put, format!("decoder.blocks.{i}.attn"), t);
        attention(&mut put, format!("decoder.blocks.{i}.cross_attn"), t);
        mlp(&mut put, format!("decoder.blocks.{i}"), t);
    }
    m
}

/// Walks the whole file; returns its hyper-parameters when whisper.cpp can load it.
pub fn check(bytes: &[u8]) -> Result<Hparams, Problem> {
    if bytes.len() < 4 || u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) != GGML_MAGIC {
        if bytes.len() < 4 && GGML_MAGIC.to_le_bytes().starts_with(bytes) && !bytes.is_empty() {
            return Err(Problem::Truncated(format!("{} bytes, shorter than the ggml magic", bytes.len())));
        }
        return Err(Problem::NotGgml(describe_other_format(bytes)));
    }
    let mut c = Cursor { bytes, pos: 4 };
    let mut v = [0i32; 11];
    for value in v.iter_mut() {
        *value = c.i32("the hyper-parameters")?;
    }
    let h = Hparams {
        n_vocab: v[0],
        n_audio_ctx: v[1],
        n_audio_state: v[2],
        n_audio_head: v[3],
        n_audio_layer: v[4],
        n_text_ctx: v[5],
        n_text_state: v[6],
        n_text_head: v[7],
        n_text_layer: v[8],
        n_mels: v[9],
        ftype: v[10],
    };
    check_hparams(&h)?;

    // Mel filters: n_mel × n_fft f32; whisper.cpp's STFT (n_fft = 400) has 201 bins.
    let (n_mel, n_fft) = (c.i32("the mel filter header")?, c.i32("the mel filter header")?);
    if n_mel != h.n_mels || n_fft != 201 {
        return Err(Problem::Corrupt(format!("mel filters are {n_mel}×{n_fft}, expected {}×201", h.n_mels)));
    }
    c.take(n_mel as usize * n_fft as usize * 4, "the mel filters")?;

    // Vocabulary: the ordinary tokens (whisper.cpp adds the special ones up to n_vocab).
    let n_tokens = c.i32("the vocabulary size")?;
    if !(0..=h.n_vocab).contains(&n_tokens) {
        return Err(Problem::Corrupt(format!("vocabulary of {n_tokens} tokens (n_vocab is {})", h.n_vocab)));
    }
    for i in 0..n_tokens {
        let len = c.u32("a vocabulary entry")?;
        if len > 1024 {
            return Err(Problem::Corrupt(format!("vocabulary token {i} is {len} bytes long")));
        }
        c.take(len as usize, "a vocabulary entry")?;
    }

    let mut expected = expected_tensors(&h);
    let total = expected.len();
    let mut loaded = 0usize;
    // whisper.cpp reads tensor records until the end of the file.
    while c.pos < bytes.len() {
        let n_dims = c.i32("a tensor header")?;
        let name_len = c.i32("a tensor header")?;
        let ttype = c.u32("a tensor header")?;
        if !(1..=4).contains(&n_dims) || !(1..=512).contains(&name_len) {
            return Err(Problem::Corrupt(format!(
                "tensor record at offset {} has {n_dims} dimensions and a {name_len}-byte name",
                c.pos - 12
            )));
        }
        let mut ne = [1u64; 4];
        for slot in ne.iter_mut().take(n_dims as usize) {
            let dim = c.i32("a tensor shape")?;
            if !(1..=1 << 24).contains(&dim) {
                return Err(Problem::Corrupt(format!("tensor dimension {dim} at offset {}", c.pos - 4)));
            }
            *slot = dim as u64;
        }
        let name = String::from_utf8_lossy(c.take(name_len as usize, "a tensor name")?).into_owned();
        let Some((want_ne, want_type)) = expected.remove(&name) else {
            return Err(Problem::Corrupt(format!(
                "tensor '{}' at offset {} is not one whisper.cpp loads, or appears twice",
                name.escape_debug(),
                c.pos - name_len as usize
            )));
        };
        if ne != want_ne || ttype != want_type {
            return Err(Problem::Corrupt(format!(
                "tensor '{name}' is {ne:?} of ggml type {ttype}, whisper.cpp expects {want_ne:?} of type {want_type}"
            )));
        }
        let (block, block_bytes) = type_layout(ttype).unwrap_or((1, 2));
        if ne[0] % block != 0 {
            return Err(Problem::Corrupt(format!(
                "tensor '{name}' has rows of {} values, not whole blocks of {block}",
                ne[0]
            )));
        }
        let values: u64 = ne.iter().product();
        let size = values / block * block_bytes;
        c.take(size as usize, &format!("tensor '{name}'"))?;
        loaded += 1;
    }
    if let Some(missing) = expected.keys().next() {
        return Err(Problem::Truncated(format!(
            "the file ends after {loaded} of {total} tensors ('{missing}' is missing)"
        )));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny but complete ggml file (one layer each, width 4): what `check` must accept.
    fn tiny_model(n_vocab: i32) -> Vec<u8> {
        let h = Hparams {
            n_vocab,
            n_audio_ctx: 6,
            n_audio_state: 4,
            n_audio_head: 2,
            n_audio_layer: 1,
            n_text_ctx: 5,
            n_text_state: 4,
            n_text_head: 2,
            n_text_layer: 1,
            n_mels: 80,
            ftype: 1,
        };
        let mut out = GGML_MAGIC.to_le_bytes().to_vec();
        for v in [
            h.n_vocab,
            h.n_audio_ctx,
            h.n_audio_state,
            h.n_audio_head,
            h.n_audio_layer,
            h.n_text_ctx,
            h.n_text_state,
            h.n_text_head,
            h.n_text_layer,
            h.n_mels,
            h.ftype,
        ] {
            out.extend(v.to_le_bytes());
        }
        out.extend(80i32.to_le_bytes());
        out.extend(201i32.to_le_bytes());
        out.extend(vec![0u8; 80 * 201 * 4]);
        out.extend(2i32.to_le_bytes());
        for token in [&b"a"[..], b"bc"] {
            out.extend((token.len() as u32).to_le_bytes());
            out.extend(token);
        }
        for (name, (ne, ty)) in expected_tensors(&h) {
            let dims = if name.ends_with("conv1.bias") || name.ends_with("conv2.bias") {
                2
            } else {
                ne.iter().rposition(|&d| d != 1).map_or(1, |i| i + 1)
            };
            out.extend((dims as i32).to_le_bytes());
            out.extend((name.len() as i32).to_le_bytes());
            out.extend(ty.to_le_bytes());
            for d in &ne[..dims] {
                out.extend((*d as i32).to_le_bytes());
            }
            out.extend(name.as_bytes());
            let bytes = if ty == TYPE_F32 { 4 } else { 2 };
            out.extend(vec![0u8; ne.iter().product::<u64>() as usize * bytes]);
        }
        out
    }

    #[test]
    fn a_complete_file_passes_with_its_hyper_parameters() {
        let h = check(&tiny_model(51_864)).unwrap();
        assert_eq!((h.n_vocab, h.n_audio_state, h.n_text_layer, h.ftype), (51_864, 4, 1, 1));
        // 7 encoder globals + 15 per encoder block + 4 decoder globals + 24 per decoder block.
        assert_eq!(expected_tensors(&h).len(), 7 + 15 + 4 + 24);
    }

    #[test]
    fn every_cut_of_a_valid_file_is_truncated_never_accepted() {
        let file = tiny_model(51_865);
        for cut in (4..file.len()).step_by(997).chain([file.len() - 1]) {
            match check(&file[..cut]) {
                Err(Problem::Truncated(_)) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_formats_are_named() {
        let mut ct2 = 6u32.to_le_bytes().to_vec();
        ct2.extend(12u16.to_le_bytes());
        ct2.extend(b"WhisperSpec\0");
        ct2.extend([3, 0, 0, 0]);
        let Err(Problem::NotGgml(what)) = check(&ct2) else { panic!() };
        assert_eq!(what, "a CTranslate2 model (faster-whisper format, WhisperSpec)");
        let Err(Problem::NotGgml(what)) = check(b"GGUF\x03\0\0\0") else { panic!() };
        assert!(what.starts_with("a GGUF file"), "{what}");
        let Err(Problem::NotGgml(what)) = check(b"\x01\x02\x03\x04\x05") else { panic!() };
        assert_eq!(what, "not a ggml file (first bytes 01 02 03 04)");
        assert_eq!(check(b""), Err(Problem::NotGgml("an empty file".into())));
    }

    #[test]
    fn implausible_hyper_parameters_and_foreign_tensors_are_corrupt() {
        let mut file = tiny_model(51_864);
        file[4..8].copy_from_slice(&1234i32.to_le_bytes());
        assert_eq!(
            check(&file),
            Err(Problem::Corrupt("implausible hyper-parameter n_vocab = 1234 (expected 51864 to 51866)".into()))
        );
        let mut file = tiny_model(51_864);
        let at = file.windows(12).position(|w| w == b"decoder.ln.w").unwrap();
        file[at..at + 7].copy_from_slice(b"xxxxxxx");
        let Err(Problem::Corrupt(why)) = check(&file) else { panic!() };
        assert!(why.starts_with("tensor 'xxxxxxx.ln.weight' at offset"), "{why}");
        let mut file = tiny_model(51_864);
        file.extend([0u8; 3]);
        assert!(matches!(check(&file), Err(Problem::Truncated(_))));
        let mut file = tiny_model(51_864);
        file[44..48].copy_from_slice(&0i32.to_le_bytes());
        assert!(matches!(check(&file), Err(Problem::Unsupported(_))));
    }

    /// The multilingual vocabulary as whisper.cpp's converters write it (50,257 tokens, each an
    /// i32 length and its bytes, after the i32 count): measured on the base model
    /// scripts/whisper-model writes, whose tokens are those of OpenAI's multilingual.tiktoken.
    const MULTILINGUAL_VOCAB_BYTES: u64 = 508_089;

    fn hparams(n_vocab: i32, state: i32, heads: i32, layers: (i32, i32), n_mels: i32, ftype: i32) -> Hparams {
        Hparams {
            n_vocab,
            n_audio_ctx: 1500,
            n_audio_state: state,
            n_audio_head: heads,
            n_audio_layer: layers.0,
            n_text_ctx: 448,
            n_text_state: state,
            n_text_head: heads,
            n_text_layer: layers.1,
            n_mels,
            ftype,
        }
    }

    /// The bytes of a file of these hyper-parameters: header, filters, vocabulary, and every
    /// expected tensor's record (dimensions as the converters write them) and data.
    fn file_size(h: &Hparams, vocab_bytes: u64) -> u64 {
        let mut size = 4 + 11 * 4 + 8 + h.n_mels as u64 * 201 * 4 + vocab_bytes;
        for (name, (ne, ty)) in expected_tensors(h) {
            let dims = if name.ends_with("conv1.bias") || name.ends_with("conv2.bias") {
                2
            } else {
                ne.iter().rposition(|&d| d != 1).map_or(1, |i| i + 1) as u64
            };
            let (block, bytes) = type_layout(ty).unwrap();
            size += 12 + 4 * dims + name.len() as u64 + ne.iter().product::<u64>() / block * bytes;
        }
        size
    }

    /// The models a maintainer downloads from whisper.cpp's model repository, by the layout
    /// whisper.cpp's loader reads (and `check` walks): their published sizes in bytes come out
    /// exactly, so every tensor, shape and type is accounted for. large-v2 is the paper's model
    /// (80 mel bins); large-v3 has 128 mel bins, so 128×201 filters and a wider first conv, and
    /// one more token (Cantonese).
    #[test]
    fn the_published_layouts_of_base_large_v2_and_large_v3_add_up() {
        let base = hparams(51_865, 512, 8, (6, 6), 80, 1);
        assert_eq!(file_size(&base, MULTILINGUAL_VOCAB_BYTES), 147_951_465);
        let large_v2 = hparams(51_865, 1280, 20, (32, 32), 80, 1);
        assert_eq!(file_size(&large_v2, MULTILINGUAL_VOCAB_BYTES), 3_094_623_691);
        let large_v3 = hparams(51_866, 1280, 20, (32, 32), 128, 1);
        assert_eq!(file_size(&large_v3, MULTILINGUAL_VOCAB_BYTES), 3_095_033_483);
        let tensors = expected_tensors(&large_v3);
        assert_eq!(tensors.len(), 7 + 15 * 32 + 4 + 24 * 32);
        assert_eq!(tensors["encoder.conv1.weight"], ([3, 128, 1280, 1], TYPE_F16));
        assert_eq!(tensors["decoder.token_embedding.weight"], ([1280, 51_866, 1, 1], TYPE_F16));
        // large-v3-turbo in q5_0 (ftype 8 + 1000 × quantisation version 2): 4 decoder layers,
        // matrices in q5_0, conv kernels in f16, vectors in f32.
        let turbo = hparams(51_866, 1280, 20, (32, 4), 128, 2008);
        let tensors = expected_tensors(&turbo);
        assert_eq!(tensors["decoder.blocks.3.mlp.0.weight"], ([1280, 5120, 1, 1], 6));
        assert_eq!(tensors["encoder.conv2.weight"].1, TYPE_F16);
        assert_eq!(tensors["encoder.blocks.0.attn_ln.weight"].1, TYPE_F32);
        assert!(!tensors.contains_key("decoder.blocks.4.mlp.0.weight"));
    }

    /// A header, filters and vocabulary of each large layout pass `check` up to the tensors:
    /// the file then ends before the first one, which is the only complaint.
    #[test]
    fn large_v2_and_v3_headers_pass_up_to_their_tensors() {
        for (n_vocab, n_mels, ftype) in [(51_865, 80, 1), (51_866, 128, 1), (51_866, 128, 2007), (51_865, 80, 2009)] {
            let h = hparams(n_vocab, 1280, 20, (32, 32), n_mels, ftype);
            let mut file = GGML_MAGIC.to_le_bytes().to_vec();
            for v in [n_vocab, 1500, 1280, 20, 32, 448, 1280, 20, 32, n_mels, ftype] {
                file.extend(v.to_le_bytes());
            }
            file.extend(n_mels.to_le_bytes());
            file.extend(201i32.to_le_bytes());
            file.extend(vec![0u8; n_mels as usize * 201 * 4]);
            file.extend(50_257i32.to_le_bytes());
            for i in 0..50_257u32 {
                let token = i.to_string();
                file.extend((token.len() as u32).to_le_bytes());
                file.extend(token.as_bytes());
            }
            assert_eq!(check_hparams(&h), Ok(()));
            let Err(Problem::Truncated(why)) = check(&file) else { panic!("{n_vocab} {n_mels} {ftype}") };
            assert!(why.starts_with("the file ends after 0 of 1259 tensors"), "{why}");
        }
        // 100 mel bins are no Whisper model.
        assert!(matches!(check_hparams(&hparams(51_866, 1280, 20, (32, 32), 100, 1)), Err(Problem::Corrupt(_))));
    }
}
