//! Answers to "which old type does this new type descend from?", in the
//! shape warm starts take (`Fn(&str) -> Option<String>`), from what
//! `retag-data` knows: a mapping file, or a mapping inferred by counting.

use retag_data::mapping::{InferredParent, TagsetMapping};

/// The parent of each new type according to `mapping`. A merge (`geo-loc`
/// and `facility` both become `location`) has several parents but a row can
/// start from only one: the first in name order is taken, so the choice is
/// stable; the warm-start report shows which. New types the mapping marks
/// as new, or does not know, have no parent and start random.
pub fn from_mapping(mapping: &TagsetMapping) -> impl Fn(&str) -> Option<String> + '_ {
    |new_type| mapping.parents_of(new_type).first().cloned()
}

/// The parent of each new type as inferred from co-annotated data
/// (`MappingEvidence::infer`); types inferred to have none start random.
pub fn from_inferred(inferred: &[InferredParent]) -> impl Fn(&str) -> Option<String> + '_ {
    |new_type| {
        inferred.iter().find(|found| found.new_type == new_type).and_then(|found| found.parent().map(str::to_string))
    }
}

/// Every new type descends from the old type of the same name, if the old
/// tagset has one: for retraining on the same types (more data, a new
/// domain) or adding types to a kept set.
pub fn same_names(old: &retag_data::Tagset) -> impl Fn(&str) -> Option<String> + '_ {
    let types = old.entity_types();
    move |new_type| types.iter().find(|kind| *kind == new_type).cloned()
}

#[cfg(test)]
mod tests {
    use retag_data::Scheme;

    use super::*;

    #[test]
    fn mapping_parents_take_the_first_of_a_merge() {
        let mapping = TagsetMapping::from_rules(
            [("geo-loc", vec!["location"]), ("facility", vec!["location"]), ("ORG", vec!["company", "party"])],
            ["creative_work"],
        )
        .unwrap();
        let parent = from_mapping(&mapping);
        let cases = [
            ("location", Some("facility")),
            ("company", Some("ORG")),
            ("party", Some("ORG")),
            ("creative_work", None),
            ("never_heard_of", None),
        ];
        for (new_type, expected) in cases {
            assert_eq!(parent(new_type).as_deref(), expected, "{new_type}");
        }
    }

    #[test]
    fn same_names_only_for_types_the_old_tagset_has() {
        let old = retag_data::Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
        let parent = same_names(&old);
        assert_eq!(parent("PER").as_deref(), Some("PER"));
        assert_eq!(parent("product"), None);
    }
}
