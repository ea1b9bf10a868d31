use std::path::PathBuf;

use burn::tensor::{Bool, TensorData};
use retag_data::Scheme;
use retag_data::scheme::violations;

use super::*;
use crate::mlp::{Activation, MlpSpec};
use crate::rng::SeededRng;
use crate::spec::CrfSpec;

const INPUT: usize = 8;

fn device() -> Device {
    Device::flex()
}

fn bioes() -> Tagset {
    Tagset::from_types(&["PER", "LOC"], Scheme::Bioes).unwrap()
}

fn spec(arch: HeadArch, crf: Option<CrfSpec>) -> HeadSpec {
    HeadSpec { arch, input_size: INPUT, dropout: 0.1, crf }
}

fn deep_mlp() -> HeadArch {
    HeadArch::Mlp(MlpSpec { layers: 2, width: Some(6), activation: Activation::Tanh, dropout: Some(0.2) })
}

/// Random hidden states `[2, 7, INPUT]` and a mask with a hole and padding.
fn input(device: &Device) -> (Tensor<3>, Tensor<2, Bool>) {
    // Large values, so that the emissions, not the small CRF scores,
    // decide most positions and unconstrained paths would break the scheme.
    let states = SeededRng::new(11).normals(2 * 7 * INPUT, 30.0);
    let mask = [true, true, false, true, true, true, true, true, true, true, true, false, false, false];
    (
        Tensor::from_data(TensorData::new(states, [2, 7, INPUT]), device),
        Tensor::from_data(TensorData::new(mask.to_vec(), [2, 7]), device),
    )
}

fn emissions(tagger: &Tagger, hidden: &Tensor<3>) -> Vec<f32> {
    tagger.emissions(hidden.clone()).unwrap().into_data().try_to_vec::<f32>().unwrap()
}

/// Linear, MLP (one and two layers), each alone, with a free CRF and with a
/// constrained one: saved then loaded, the tagger is the same tagger.
#[test]
fn save_then_load_gives_the_same_tagger() {
    let device = device();
    let (hidden, mask) = input(&device);
    let dir = tempfile::tempdir().unwrap();
    let crfs = [None, Some(CrfSpec { constraints: None }), Some(CrfSpec { constraints: Some(Scheme::Bioes) })];
    for arch in [HeadArch::Linear, HeadArch::from(crate::HeadKind::Mlp), deep_mlp()] {
        for crf in crfs {
            let spec = spec(arch, crf);
            let label = format!("{spec:?}");
            let saved = Tagger::random(&spec, bioes(), 3, &device).unwrap();
            let path = dir.path().join(HEAD_FILE);
            saved.save_tensors(&path).unwrap();
            let loaded = Tagger::load(&saved.spec(), bioes(), &path, &device).unwrap();

            assert_eq!(loaded.spec(), saved.spec(), "{label}");
            assert_eq!(loaded.tagset(), saved.tagset(), "{label}");
            assert_eq!(emissions(&loaded, &hidden), emissions(&saved, &hidden), "{label}");
            let decoded = saved.decode(hidden.clone(), mask.clone()).unwrap();
            assert_eq!(loaded.decode(hidden.clone(), mask.clone()).unwrap(), decoded, "{label}");
            assert_eq!(
                loaded.crf().map(|crf| crf.forbidden().cloned()),
                saved.crf().map(|crf| crf.forbidden().cloned()),
                "{label}"
            );
            if crf.and_then(|crf| crf.constraints).is_some() {
                assert_eq!(loaded.crf().and_then(Crf::constraint_scheme), Some(Scheme::Bioes), "{label}");
                for row in &decoded {
                    let tags: Vec<String> = row.iter().map(|&id| bioes().labels()[id].clone()).collect();
                    assert_eq!(violations(&tags, Scheme::Bioes), vec![], "{label}: {tags:?}");
                }
            }
        }
    }
}

/// The constraints matter on this input (so the round trip above checks
/// something): without them, Viterbi picks invalid BIOES sequences.
#[test]
fn the_round_trip_input_needs_the_constraints() {
    let device = device();
    let (hidden, mask) = input(&device);
    let free =
        Tagger::random(&spec(HeadArch::Linear, Some(CrfSpec { constraints: None })), bioes(), 3, &device).unwrap();
    let invalid = free.decode(hidden, mask).unwrap().iter().any(|row| {
        let tags: Vec<String> = row.iter().map(|&id| bioes().labels()[id].clone()).collect();
        !violations(&tags, Scheme::Bioes).is_empty()
    });
    assert!(invalid);
}

#[test]
fn the_file_holds_the_documented_tensors_in_f32() {
    let device = device();
    let dir = tempfile::tempdir().unwrap();
    // (spec, the names in the file, sorted)
    let cases = [
        (spec(HeadArch::Linear, None), vec!["classifier.bias", "classifier.weight"]),
        (
            spec(HeadArch::from(crate::HeadKind::Mlp), Some(CrfSpec { constraints: None })),
            vec![
                "classifier.dense.bias",
                "classifier.dense.weight",
                "classifier.out_proj.bias",
                "classifier.out_proj.weight",
                "crf.end",
                "crf.start",
                "crf.transitions",
            ],
        ),
        (
            spec(deep_mlp(), None),
            vec![
                "classifier.dense.bias",
                "classifier.dense.weight",
                "classifier.dense_1.bias",
                "classifier.dense_1.weight",
                "classifier.out_proj.bias",
                "classifier.out_proj.weight",
            ],
        ),
    ];
    for (spec, expected) in cases {
        let path = dir.path().join("head.safetensors");
        Tagger::random(&spec, bioes(), 0, &device).unwrap().save_tensors(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = file.names();
        names.sort_unstable();
        assert_eq!(names, expected, "{spec:?}");
        for (name, shape) in layout(&spec, bioes().len()) {
            let view = file.tensor(&name).unwrap();
            assert_eq!((view.dtype(), view.shape()), (Dtype::F32, shape.as_slice()), "{name}");
        }
    }
    let linear = layout(&spec(HeadArch::Linear, Some(CrfSpec { constraints: None })), 9);
    assert_eq!(linear[0], ("classifier.weight".to_string(), vec![9, INPUT]));
    assert_eq!(linear[2], ("crf.transitions".to_string(), vec![9, 9]));
}

/// A file to break: the tensors of a linear head with a CRF over `bioes()`,
/// as (name, dtype, shape), zeros for data.
fn good_tensors() -> Vec<(String, Dtype, Vec<usize>)> {
    let spec = spec(HeadArch::Linear, Some(CrfSpec { constraints: Some(Scheme::Bioes) }));
    layout(&spec, bioes().len()).into_iter().map(|(name, shape)| (name, Dtype::F32, shape)).collect()
}

fn write_tensors(path: &Path, tensors: &[(String, Dtype, Vec<usize>)]) {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, dtype, shape)| vec![0u8; shape.iter().product::<usize>() * dtype.bitsize() / 8])
        .collect();
    let views = tensors
        .iter()
        .zip(&data)
        .map(|((name, dtype, shape), bytes)| (name.as_str(), TensorView::new(*dtype, shape.clone(), bytes).unwrap()));
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

/// How a test file is made from a good one.
enum Damage {
    Drop(&'static str),
    Add(&'static str),
    Reshape(&'static str, &'static [usize]),
    Retype(&'static str, Dtype),
    /// Keep only this many bytes of the good file.
    Truncate(usize),
    Bytes(&'static [u8]),
    NoFile,
}

fn make(path: &Path, damage: &Damage) {
    let mut tensors = good_tensors();
    let find = |tensors: &[(String, Dtype, Vec<usize>)], name: &str| {
        tensors.iter().position(|(n, _, _)| n == name).expect("the damage names a tensor of the good file")
    };
    match damage {
        Damage::Drop(name) => {
            tensors.remove(find(&tensors, name));
        }
        Damage::Add(name) => tensors.push((name.to_string(), Dtype::F32, vec![3])),
        Damage::Reshape(name, shape) => {
            let at = find(&tensors, name);
            tensors[at].2 = shape.to_vec();
        }
        Damage::Retype(name, dtype) => {
            let at = find(&tensors, name);
            tensors[at].1 = *dtype;
        }
        Damage::Truncate(keep) => {
            write_tensors(path, &tensors);
            let bytes = std::fs::read(path).unwrap();
            std::fs::write(path, &bytes[..bytes.len().min(*keep)]).unwrap();
            return;
        }
        Damage::Bytes(bytes) => {
            std::fs::write(path, bytes).unwrap();
            return;
        }
        Damage::NoFile => return,
    }
    write_tensors(path, &tensors);
}

#[test]
fn a_bad_file_is_an_error_naming_the_file_and_the_tensor() {
    let device = device();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(HeadArch::Linear, Some(CrfSpec { constraints: Some(Scheme::Bioes) }));
    let good = dir.path().join("good.safetensors");
    write_tensors(&good, &good_tensors());
    assert!(Tagger::load(&spec, bioes(), &good, &device).is_ok(), "the undamaged file loads");
    let header_and_some = std::fs::read(&good).unwrap().len() - 4;

    // (file name, damage, expected message after "<path>: ", variant check)
    type Check = fn(&HeadError) -> bool;
    let cases: &[(&str, Damage, &str, Check)] = &[
        (
            "missing.safetensors",
            Damage::Drop("crf.end"),
            "missing tensor \"crf.end\"",
            |e| matches!(e, HeadError::MissingTensor { tensor, .. } if tensor == "crf.end"),
        ),
        (
            "missing_weight.safetensors",
            Damage::Drop("classifier.weight"),
            "missing tensor \"classifier.weight\"",
            |e| matches!(e, HeadError::MissingTensor { .. }),
        ),
        (
            "unexpected.safetensors",
            Damage::Add("classifier.dense.bias"),
            "unexpected tensor \"classifier.dense.bias\": the head spec has no place for it",
            |e| matches!(e, HeadError::UnexpectedTensor { tensor, .. } if tensor == "classifier.dense.bias"),
        ),
        (
            "labels.safetensors",
            Damage::Reshape("classifier.weight", &[5, 8]),
            "tensor \"classifier.weight\" has shape [5, 8], the head spec and labels imply [9, 8]",
            |e| matches!(e, HeadError::TensorShape { .. }),
        ),
        (
            "width.safetensors",
            Damage::Reshape("classifier.weight", &[9, 16]),
            "tensor \"classifier.weight\" has shape [9, 16], the head spec and labels imply [9, 8]",
            |e| matches!(e, HeadError::TensorShape { .. }),
        ),
        (
            "crf_shape.safetensors",
            Damage::Reshape("crf.transitions", &[9, 8]),
            "tensor \"crf.transitions\" has shape [9, 8], the head spec and labels imply [9, 9]",
            |e| matches!(e, HeadError::TensorShape { .. }),
        ),
        (
            "dtype.safetensors",
            Damage::Retype("crf.start", Dtype::F16),
            "tensor \"crf.start\" has dtype F16; head files hold F32 only",
            |e| matches!(e, HeadError::TensorDtype { tensor, .. } if tensor == "crf.start"),
        ),
        (
            "f64.safetensors",
            Damage::Retype("classifier.bias", Dtype::F64),
            "tensor \"classifier.bias\" has dtype F64; head files hold F32 only",
            |e| matches!(e, HeadError::TensorDtype { .. }),
        ),
        ("truncated.safetensors", Damage::Truncate(header_and_some), "not a valid safetensors file", |e| {
            matches!(e, HeadError::Safetensors { .. })
        }),
        ("header_cut.safetensors", Damage::Truncate(20), "not a valid safetensors file", |e| {
            matches!(e, HeadError::Safetensors { .. })
        }),
        ("empty.safetensors", Damage::Bytes(b""), "not a valid safetensors file", |e| {
            matches!(e, HeadError::Safetensors { .. })
        }),
        ("absent.safetensors", Damage::NoFile, "No such file", |e| matches!(e, HeadError::Io { .. })),
    ];
    for (name, damage, message, check) in cases {
        let path: PathBuf = dir.path().join(name);
        make(&path, damage);
        let error = Tagger::load(&spec, bioes(), &path, &device).unwrap_err();
        let text = error.to_string();
        assert!(check(&error), "{name}: {error:?}");
        assert!(text.starts_with(&format!("{}: ", path.display())), "{name}: {text}");
        assert!(text.contains(message), "{name}: {text}");
    }
}

#[test]
fn a_file_of_another_head_does_not_load_under_this_spec() {
    let device = device();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(HEAD_FILE);
    let mlp = spec(HeadArch::from(crate::HeadKind::Mlp), Some(CrfSpec { constraints: None }));
    Tagger::random(&mlp, bioes(), 0, &device).unwrap().save_tensors(&path).unwrap();
    // (spec to load with, words of the error)
    let cases = [
        (spec(HeadArch::Linear, Some(CrfSpec { constraints: None })), "missing tensor \"classifier.weight\""),
        (spec(HeadArch::from(crate::HeadKind::Mlp), None), "unexpected tensor \"crf.end\""),
        (
            spec(deep_mlp(), Some(CrfSpec { constraints: None })),
            "has shape [8, 8], the head spec and labels imply [6, 8]",
        ),
        (HeadSpec { input_size: 4, ..mlp }, "has shape [8, 8], the head spec and labels imply [4, 4]"),
    ];
    for (spec, words) in cases {
        let error = Tagger::load(&spec, bioes(), &path, &device).unwrap_err().to_string();
        assert!(error.contains(words), "{spec:?}: {error}");
    }
    let iob2 = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
    let error = Tagger::load(&mlp, iob2, &path, &device).unwrap_err().to_string();
    assert!(error.contains("the head spec and labels imply [5, 8]"), "{error}");
    let constrained = HeadSpec { crf: Some(CrfSpec { constraints: Some(Scheme::Iob2) }), ..mlp };
    let error = Tagger::load(&constrained, bioes(), &path, &device).unwrap_err().to_string();
    assert!(error.contains("is not used by IOB2"), "BIOES labels under IOB2 constraints: {error}");
}

#[test]
fn writing_is_atomic_and_replaces_the_old_file() {
    let device = device();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(HEAD_FILE);
    let spec = spec(HeadArch::Linear, None);
    std::fs::write(&path, b"an older head").unwrap();
    let tagger = Tagger::random(&spec, bioes(), 0, &device).unwrap();
    tagger.save_tensors(&path).unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
    assert_eq!(files, [HEAD_FILE], "no temporary file is left behind");
    assert!(Tagger::load(&spec, bioes(), &path, &device).is_ok());

    let nowhere = dir.path().join("no such folder").join(HEAD_FILE);
    let error = tagger.save_tensors(&nowhere).unwrap_err();
    assert!(matches!(error, HeadError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("no such folder"), "{error}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any head shape, any CRF setting: save → load gives a tagger with the
    /// same spec, the same emissions and the same decodes, and saving that
    /// one again writes the same bytes.
    #[test]
    fn any_spec_round_trips(
        mlp in proptest::option::of((1usize..4, 1usize..7, 0usize..3)),
        crf in 0usize..3,
        seed in 0u64..1000,
    ) {
        let device = device();
        let arch = match mlp {
            None => HeadArch::Linear,
            Some((layers, width, activation)) => HeadArch::Mlp(MlpSpec {
                layers,
                width: Some(width),
                activation: Activation::ALL[activation],
                dropout: None,
            }),
        };
        let crf = [None, Some(CrfSpec { constraints: None }), Some(CrfSpec { constraints: Some(Scheme::Bioes) })][crf];
        let saved = Tagger::random(&spec(arch, crf), bioes(), seed, &device).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("first.safetensors"), dir.path().join("second.safetensors"));
        saved.save_tensors(&first).unwrap();
        let loaded = Tagger::load(&saved.spec(), bioes(), &first, &device).unwrap();
        loaded.save_tensors(&second).unwrap();
        let (hidden, mask) = input(&device);
        proptest::prop_assert_eq!(loaded.spec(), saved.spec());
        proptest::prop_assert_eq!(emissions(&loaded, &hidden), emissions(&saved, &hidden));
        proptest::prop_assert_eq!(
            loaded.decode(hidden.clone(), mask.clone()).unwrap(),
            saved.decode(hidden, mask).unwrap()
        );
        proptest::prop_assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
    }
}
