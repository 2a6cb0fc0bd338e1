//! cameo: rebuild the CAMEO emotional speech benchmark from its original sources and
//! evaluate audio language models on it. The binary (`src/main.rs`) only parses arguments;
//! every capability lives in one of these modules.

pub mod eval;
