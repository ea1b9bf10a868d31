//! The mapping-file parser must never panic: every input, read as TOML and
//! as JSON, gives a mapping or an error, and a mapping it accepts must write
//! out as TOML that reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retag_data::Location;
use retag_data::mapping::{MappingFormat, TagsetMapping};

fuzz_target!(|data: &[u8]| {
    // `TagsetMapping::load` reads the file with `read_to_string`, so
    // anything not UTF-8 stops there, before the parser.
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [MappingFormat::Toml, MappingFormat::Json] {
        let Ok(mapping) = TagsetMapping::parse(text, format, Location::unnamed(None)) else { continue };
        let written = mapping.to_toml();
        let back = TagsetMapping::from_toml_str(&written).expect("a written mapping reads back");
        assert!(back == mapping, "{format:?} mapping changed in a TOML round trip:\n{written}");
        // The questions strategies ask of a mapping, on every type it names.
        let inverse = mapping.invert();
        for new in mapping.new_types() {
            let _ = (mapping.parents_of(new), mapping.parent_of(new), inverse.children_of(new));
        }
        let _ = (mapping.is_function(), mapping.dropped().count(), mapping.unparented().len());
    }
});
