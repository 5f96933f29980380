//! Builds the site's form pages into the binary, for Lambda, where the
//! error page for browsers without JavaScript cannot read them from disk.
//! Without a built site (`make site`), the binary falls back to a plain
//! error page; the local server always reads the pages from `SITE_DIR`.

use std::path::Path;

const FORM_PAGES: [&str; 8] = [
    "/contact/",
    "/en/contact/",
    "/aanmelden/",
    "/en/sign-up/",
    "/doorverwijzen/",
    "/en/refer/",
    "/vrijwilliger-worden/",
    "/en/volunteer/",
];

fn main() {
    let public = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site/public");
    println!("cargo:rerun-if-changed={}", public.display());
    let mut out = String::from("pub static PAGES: &[(&str, &str)] = &[\n");
    for page in FORM_PAGES {
        let file = public.join(page.trim_start_matches('/')).join("index.html");
        println!("cargo:rerun-if-changed={}", file.display());
        if file.is_file() {
            out.push_str(&format!("    ({page:?}, include_str!({:?})),\n", file.canonicalize().unwrap()));
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_pages.rs");
    std::fs::write(dest, out).unwrap();
}
