//! The page GitHub's redirect lands on, in the sign-in popup. It speaks
//! Decap CMS's window-message protocol with the editor window that opened
//! it: "authorizing:github" to the opener, and once the opener answers
//! from the site's own origin, "authorization:github:success:{json}"
//! (or `:error:`) back to that origin only, so the token can never reach
//! a page elsewhere.
//!
//! The site's Content-Security-Policy allows no inline script, so the
//! page carries its data as JSON (a data block, never executed) and loads
//! the code from `/api/cms/handshake.js`.

use serde::Serialize;

pub const SCRIPT_PATH: &str = "/api/cms/handshake.js";

pub const SCRIPT: &str = r#"(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cms-auth').textContent);
  var message = 'authorization:github:' + data.status + ':' + JSON.stringify(data.content);
  var opener = window.opener;
  if (!opener) {
    document.getElementById('cms-auth-status').textContent =
      'Dit venster is niet vanuit de editor geopend. Sluit het en log in via /admin/.';
    return;
  }
  window.addEventListener('message', function (event) {
    if (event.origin !== data.origin || event.data !== 'authorizing:github') return;
    opener.postMessage(message, data.origin);
  }, false);
  opener.postMessage('authorizing:github', data.origin);
})();
"#;

#[derive(Serialize)]
struct PageData<'a> {
    status: &'a str,
    origin: &'a str,
    content: serde_json::Value,
}

pub enum Outcome<'a> {
    Success { token: &'a str },
    Error { message: &'a str },
}

pub fn page(site_origin: &str, outcome: Outcome<'_>) -> String {
    let (status, content, heading) = match outcome {
        Outcome::Success { token } => (
            "success",
            serde_json::json!({ "token": token, "provider": "github" }),
            "Je bent ingelogd. Dit venster sluit vanzelf.",
        ),
        Outcome::Error { message } => ("error", serde_json::json!({ "message": message }), message),
    };
    let data = serde_json::to_string(&PageData { status, origin: site_origin, content }).expect("plain data serialises");
    // `<` never appears outside a JSON string, so escaping it there keeps
    // `</script>` in a message from ending the data block.
    let data = data.replace('<', "\\u003c");
    format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n\
         <title>Inloggen bij de editor</title>\n</head>\n<body>\n<p id=\"cms-auth-status\">{}</p>\n\
         <script type=\"application/json\" id=\"cms-auth\">{data}</script>\n<script src=\"{SCRIPT_PATH}\"></script>\n</body>\n</html>\n",
        escape_text(heading)
    )
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_cannot_close_the_data_block() {
        let html = page("https://site.example", Outcome::Error { message: "</script><script>alert(1)</script>" });
        assert_eq!(html.matches("</script>").count(), 2, "{html}");
        assert!(!html.contains("<script>alert"));
    }

    #[test]
    fn the_token_is_addressed_to_the_sites_origin_only() {
        let html = page("https://site.example", Outcome::Success { token: "gho_x" });
        assert!(
            html.contains(
                r#"{"status":"success","origin":"https://site.example","content":{"provider":"github","token":"gho_x"}}"#
            ),
            "{html}"
        );
    }
}
