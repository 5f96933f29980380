//! TOML, value by value: the repository's document is kept as it is
//! (comments, order, quoting, blank lines) and only the values that differ
//! from the editor's version are set, added or removed in it.

use std::collections::BTreeMap;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

#[derive(Debug, thiserror::Error)]
#[error("not TOML: {0}")]
pub struct NotToml(String);

/// `old` with the changes that make it mean what `new` means.
pub fn patch_toml(old: &str, new: &str) -> Result<String, NotToml> {
    let mut doc: DocumentMut = old.parse().map_err(|e: toml_edit::TomlError| NotToml(e.to_string()))?;
    let proposed: DocumentMut = new.parse().map_err(|e: toml_edit::TomlError| NotToml(e.to_string()))?;
    patch_table(doc.as_table_mut(), proposed.as_table());
    Ok(doc.to_string())
}

/// A value without its formatting, to compare two documents by meaning.
#[derive(Debug, PartialEq)]
enum Plain {
    Text(String),
    Integer(i64),
    Float(u64),
    Bool(bool),
    Datetime(String),
    List(Vec<Plain>),
    Map(BTreeMap<String, Plain>),
}

fn item_plain(item: &Item) -> Option<Plain> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value_plain(v)),
        Item::Table(t) => Some(table_plain(t)),
        Item::ArrayOfTables(a) => Some(Plain::List(a.iter().map(table_plain).collect())),
    }
}

fn table_plain(table: &Table) -> Plain {
    Plain::Map(table.iter().filter_map(|(k, v)| Some((k.to_owned(), item_plain(v)?))).collect())
}

fn value_plain(value: &Value) -> Plain {
    match value {
        Value::String(s) => Plain::Text(s.value().clone()),
        Value::Integer(i) => Plain::Integer(*i.value()),
        Value::Float(f) => Plain::Float(f.value().to_bits()),
        Value::Boolean(b) => Plain::Bool(*b.value()),
        Value::Datetime(d) => Plain::Datetime(d.value().to_string()),
        Value::Array(a) => Plain::List(a.iter().map(value_plain).collect()),
        Value::InlineTable(t) => Plain::Map(t.iter().map(|(k, v)| (k.to_owned(), value_plain(v))).collect()),
    }
}

fn patch_table(old: &mut dyn TableLike, new: &dyn TableLike) {
    let gone: Vec<String> = old.iter().map(|(k, _)| k.to_owned()).filter(|k| new.get(k).is_none()).collect();
    for key in gone {
        old.remove(&key);
    }
    for (key, item) in new.iter() {
        match old.get_mut(key) {
            Some(existing) => patch_item(existing, item),
            None => {
                old.insert(key, fresh(item));
            }
        }
    }
}

fn patch_item(old: &mut Item, new: &Item) {
    if item_plain(old) == item_plain(new) {
        return;
    }
    if old.is_table_like() && new.is_table_like() && !old.is_array_of_tables() {
        let (Some(old), Some(new)) = (old.as_table_like_mut(), new.as_table_like()) else { unreachable!() };
        patch_table(old, new);
        return;
    }
    if let (Item::ArrayOfTables(old), Some(new)) = (&mut *old, as_tables(new)) {
        patch_tables(old, &new);
        return;
    }
    match (old.as_value_mut(), new.as_value()) {
        (Some(old_value), Some(new_value)) => {
            // The new value in the old one's place, with its spacing and comment.
            let decor = old_value.decor().clone();
            *old_value = new_value.clone();
            *old_value.decor_mut() = decor;
        }
        _ => *old = fresh(new),
    }
}

/// A list of tables (`[[spreekuur.dates]]`): tables that stayed the same
/// keep their text and comments, a changed one is patched in place, new
/// ones are added where the editor put them, removed ones go.
fn patch_tables(old: &mut ArrayOfTables, new: &ArrayOfTables) {
    let a: Vec<Plain> = old.iter().map(table_plain).collect();
    let b: Vec<Plain> = new.iter().map(table_plain).collect();
    let mut result: Vec<Table> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let pairs = common(&a, &b);
    for (pi, pj) in pairs.into_iter().chain(std::iter::once((a.len(), b.len()))) {
        // Between two kept tables: old ones replaced by new ones, in order.
        let replaced = (i..pi).zip(j..pj);
        let count = replaced.len();
        for (oi, nj) in replaced {
            let mut table = old.get(oi).expect("index in range").clone();
            patch_table(&mut table, new.get(nj).expect("index in range"));
            result.push(table);
        }
        for nj in j + count..pj {
            // A new block writes its keys in the order its neighbours use.
            let neighbour = result.last().or_else(|| old.get(0)).cloned();
            result.push(ordered_like(fresh_table(new.get(nj).expect("index in range")), neighbour.as_ref()));
        }
        if pi < a.len() {
            result.push(old.get(pi).expect("index in range").clone());
        }
        i = pi + 1;
        j = pj + 1;
    }
    let mut tables = ArrayOfTables::new();
    for table in result {
        tables.push(table);
    }
    *old = tables;
}

/// `[[x]]` tables, or the same written inline: `x = [{ … }, { … }]`.
fn as_tables(item: &Item) -> Option<ArrayOfTables> {
    match item {
        Item::ArrayOfTables(a) => Some(a.clone()),
        Item::Value(Value::Array(list)) => {
            let mut tables = ArrayOfTables::new();
            for value in list.iter() {
                tables.push(value.as_inline_table()?.clone().into_table());
            }
            Some(tables)
        }
        _ => None,
    }
}

fn common(a: &[Plain], b: &[Plain]) -> Vec<(usize, usize)> {
    super::common_pairs(a, b, |x, y| x == y)
}

/// An item from the editor's document, without the place it had there.
fn fresh(item: &Item) -> Item {
    match item {
        Item::Table(t) => Item::Table(fresh_table(t)),
        Item::ArrayOfTables(a) => {
            let mut tables = ArrayOfTables::new();
            for t in a.iter() {
                tables.push(fresh_table(t));
            }
            Item::ArrayOfTables(tables)
        }
        Item::Value(v) => {
            let mut v = v.clone();
            v.decor_mut().clear();
            Item::Value(v)
        }
        Item::None => Item::None,
    }
}

/// `table`'s keys in `reference`'s order, the ones it lacks after them.
fn ordered_like(table: Table, reference: Option<&Table>) -> Table {
    let Some(reference) = reference else { return table };
    let mut ordered = Table::new();
    for (key, _) in reference.iter() {
        if let Some(item) = table.get(key) {
            ordered.insert(key, item.clone());
        }
    }
    for (key, item) in table.iter() {
        if !ordered.contains_key(key) {
            ordered.insert(key, item.clone());
        }
    }
    ordered.set_implicit(table.is_implicit());
    *ordered.decor_mut() = table.decor().clone();
    ordered
}

fn fresh_table(table: &Table) -> Table {
    let mut copy = Table::new();
    for (key, item) in table.iter() {
        copy.insert(key, fresh(item));
    }
    copy.set_implicit(table.is_implicit());
    copy.decor_mut().set_prefix("\n");
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIRECTORY: &str = r#"# The site's data.
[mailboxes.info]
email = "info@example.org" # the fallback
to_be_confirmed = true

# Spreekuur dates, one block each.
[spreekuur]
later_dates_to_be_confirmed = true

# The first date.
[[spreekuur.dates]]
date = "2024-05-08"
start = "15:00"

[[spreekuur.dates]]
date = "2024-06-12"
start = "15:00"

# Locations.
[[locations]]
id = "heemskerk"
"#;

    /// What Decap writes for the same data: sorted differently, no comments.
    const DECAP_SAME: &str = r#"[spreekuur]
later_dates_to_be_confirmed = true
dates = [ { date = "2024-05-08", start = "15:00" }, { date = "2024-06-12", start = "15:00" } ]
[mailboxes]
info = { email = "info@example.org", to_be_confirmed = true }
[[locations]]
id = "heemskerk"
"#;

    #[test]
    fn the_same_data_in_decaps_words_changes_nothing() {
        let patched = patch_toml(DIRECTORY, DECAP_SAME).unwrap();
        assert_eq!(patched, DIRECTORY);
    }

    #[test]
    fn a_new_date_is_added_after_the_others_and_every_comment_stays() {
        let decap = r#"[mailboxes.info]
email = "info@example.org"
to_be_confirmed = true
[spreekuur]
later_dates_to_be_confirmed = true
[[spreekuur.dates]]
date = "2024-05-08"
start = "15:00"
[[spreekuur.dates]]
date = "2024-06-12"
start = "15:00"
[[spreekuur.dates]]
end = "15:30"
date = "2027-01-13"
start = "14:00"
[[locations]]
id = "heemskerk"
"#;
        let patched = patch_toml(DIRECTORY, decap).unwrap();
        let expected = DIRECTORY.replace(
            "date = \"2024-06-12\"\nstart = \"15:00\"\n",
            "date = \"2024-06-12\"\nstart = \"15:00\"\n\n[[spreekuur.dates]]\ndate = \"2027-01-13\"\nstart = \"14:00\"\nend = \"15:30\"\n",
        );
        assert_eq!(patched, expected);
    }

    #[test]
    fn a_changed_value_keeps_its_line_and_comment() {
        let decap = DECAP_SAME.replace("info@example.org", "info@bibliotheek.example.org").replace("2024-06-12", "2024-06-19");
        let patched = patch_toml(DIRECTORY, &decap).unwrap();
        let expected = DIRECTORY
            .replace("email = \"info@example.org\" # the fallback", "email = \"info@bibliotheek.example.org\" # the fallback")
            .replace("2024-06-12", "2024-06-19");
        assert_eq!(patched, expected);
    }

    #[test]
    fn a_removed_date_and_a_removed_key_go() {
        let decap = DECAP_SAME
            .replace(", { date = \"2024-06-12\", start = \"15:00\" }", "")
            .replace("later_dates_to_be_confirmed = true\n", "");
        let patched = patch_toml(DIRECTORY, &decap).unwrap();
        assert!(!patched.contains("2024-06-12") && !patched.contains("later_dates"), "{patched}");
        assert!(patched.contains("# The first date.") && patched.contains("# Locations."), "{patched}");
    }
}
