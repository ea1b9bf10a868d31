use serde_json::json;

use super::*;
use crate::mlp::Activation;

fn mlp(layers: usize, width: usize) -> HeadArch {
    HeadArch::Mlp(MlpSpec { layers, width: Some(width), activation: Activation::Relu, dropout: Some(0.2) })
}

fn specs() -> Vec<HeadSpec> {
    let mut specs = Vec::new();
    for arch in [HeadArch::Linear, HeadArch::Mlp(MlpSpec::default()), mlp(3, 16)] {
        for crf in [None, Some(CrfSpec { constraints: None }), Some(CrfSpec { constraints: Some(Scheme::Bioes) })] {
            specs.push(HeadSpec { arch, input_size: 32, dropout: 0.1, crf });
        }
    }
    specs
}

#[test]
fn every_spec_round_trips_through_json() {
    for spec in specs() {
        let json = spec.to_json();
        assert_eq!(HeadSpec::from_json(json.clone()).unwrap(), spec, "{json}");
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<HeadSpec>(&text).unwrap(), spec, "{text}");
        assert!(text.starts_with("{\"kind\":"), "kind comes first: {text}");
    }
}

#[test]
fn the_json_is_flat_and_versioned() {
    let spec = HeadSpec {
        arch: mlp(2, 8),
        input_size: 32,
        dropout: 0.1,
        crf: Some(CrfSpec { constraints: Some(Scheme::Iob2) }),
    };
    assert_eq!(
        spec.to_json(),
        json!({
            "kind": "mlp", "version": 1, "input_size": 32, "dropout": 0.1,
            "mlp": {"layers": 2, "width": 8, "activation": "relu", "dropout": 0.2},
            "crf": {"constraints": "IOB2"}
        })
    );
    let linear = HeadSpec { arch: HeadArch::Linear, input_size: 768, dropout: 0.1, crf: None };
    assert_eq!(
        linear.to_json(),
        json!({"kind": "linear", "version": 1, "input_size": 768, "dropout": 0.1, "crf": null})
    );
}

#[test]
fn missing_optional_parts_take_their_defaults() {
    // (JSON, the spec it reads as)
    let cases = [
        (
            json!({"kind": "mlp", "version": 1, "input_size": 8, "dropout": 0.0}),
            HeadSpec { arch: HeadArch::Mlp(MlpSpec::default()), input_size: 8, dropout: 0.0, crf: None },
        ),
        (
            json!({"kind": "linear", "version": 1, "input_size": 8, "dropout": 0.0, "crf": {"constraints": null}}),
            HeadSpec { arch: HeadArch::Linear, input_size: 8, dropout: 0.0, crf: Some(CrfSpec { constraints: None }) },
        ),
        (
            json!({"kind": "mlp", "version": 1, "input_size": 8, "dropout": 0.0, "mlp": {"layers": 2}, "crf": {"constraints": "bio"}}),
            HeadSpec {
                arch: HeadArch::Mlp(MlpSpec { layers: 2, ..MlpSpec::default() }),
                input_size: 8,
                dropout: 0.0,
                crf: Some(CrfSpec { constraints: Some(Scheme::Iob2) }),
            },
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(HeadSpec::from_json(json.clone()).unwrap(), expected, "{json}");
    }
}

#[test]
fn bad_specs_say_what_is_wrong() {
    let base = || json!({"kind": "mlp", "version": 1, "input_size": 8, "dropout": 0.1});
    let with = |key: &str, value: serde_json::Value| {
        let mut json = base();
        json[key] = value;
        json
    };
    let without = |key: &str| {
        let mut json = base();
        json.as_object_mut().unwrap().remove(key);
        json
    };
    // (JSON, words the error must contain)
    let cases = [
        (with("version", json!(2)), "head spec version 2; this retag reads version 1"),
        (without("version"), "missing field `version`"),
        (without("kind"), "missing field `kind`"),
        (without("input_size"), "missing field `input_size`"),
        (with("kind", json!("crf")), "unknown variant `crf`"),
        (with("dropuot", json!(0.1)), "unknown field `dropuot`"),
        (with("labels", json!(["O"])), "unknown field `labels`"),
        (with("dropout", json!(1.0)), "invalid option dropout"),
        (with("input_size", json!(0)), "invalid option input_size"),
        (with("mlp", json!({"layers": 0})), "invalid option mlp.layers"),
        (with("mlp", json!({"activation": "swish"})), "unknown variant `swish`"),
        (with("crf", json!({"constraints": "iob"})), "ambiguous"),
        (with("crf", json!({"scheme": "IOB2"})), "unknown field `scheme`"),
        (
            json!({"kind": "linear", "version": 1, "input_size": 8, "dropout": 0.1, "mlp": {}}),
            "a linear head has no MLP settings",
        ),
    ];
    for (json, words) in cases {
        let error = HeadSpec::from_json(json.clone()).unwrap_err().to_string();
        assert!(error.contains(words), "{json}: {error}");
        // Read as part of a larger file, the same spec fails the same way.
        let error = serde_json::from_value::<HeadSpec>(json.clone()).unwrap_err().to_string();
        assert!(error.contains(words), "{json} through serde: {error}");
    }
    // (JSON, the variant from_json gives)
    type Check = fn(&HeadError) -> bool;
    let typed: [(serde_json::Value, Check); 4] = [
        (with("version", json!(2)), |e| matches!(e, HeadError::SpecVersion { found: 2, supported: 1 })),
        (with("dropout", json!(1.5)), |e| matches!(e, HeadError::InvalidOption { option, .. } if option == "dropout")),
        (
            with("mlp", json!({"layers": 0})),
            |e| matches!(e, HeadError::InvalidOption { option, .. } if option == "mlp.layers"),
        ),
        (without("kind"), |e| matches!(e, HeadError::Spec { .. })),
    ];
    for (json, check) in typed {
        let error = HeadSpec::from_json(json.clone()).unwrap_err();
        assert!(check(&error), "{json}: {error:?}");
    }
}

#[test]
fn validate_names_the_field_of_a_spec_built_in_code() {
    let spec = |arch, input_size, dropout| HeadSpec { arch, input_size, dropout, crf: None };
    // (spec, the option the error names)
    let cases = [
        (spec(HeadArch::Linear, 0, 0.1), "input_size"),
        (spec(HeadArch::Linear, 8, -0.5), "dropout"),
        (spec(HeadArch::Mlp(MlpSpec { width: Some(0), ..MlpSpec::default() }), 8, 0.1), "mlp.width"),
        (spec(HeadArch::Mlp(MlpSpec { dropout: Some(f64::NAN), ..MlpSpec::default() }), 8, 0.1), "mlp.dropout"),
    ];
    for (spec, option) in cases {
        match spec.validate() {
            Err(HeadError::InvalidOption { option: named, .. }) => assert_eq!(named, option, "{spec:?}"),
            other => panic!("{spec:?}: {other:?}"),
        }
    }
}
