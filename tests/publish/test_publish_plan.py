"""tools/publish-plan.py on a scratch git repository holding copies of the
real directory.toml, functions/build.rs, an interface text file and a few
content files: each kind of change an editor or a developer makes, and the
publish it gets. What an editor changes (routing included) publishes the
site only: the form function reads it from there while it runs."""

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "tools" / "publish-plan.py"
COPIED = [
    "site/data/directory.toml",
    "functions/build.rs",
    "functions/src/main.rs",
    "infra/template.yaml",
    "mk/publish.mk",
    ".github/workflows/publish.yml",
    "site/config.toml",
    "site/i18n/nl.toml",
    "site/templates/base.html",
    "site/content/contact.md",
    "site/content/contact.en.md",
    "site/content/spreekuur.md",
    "site/content/berichten/2023-11-30-samen-spreekuur.md",
]


class PublishPlan(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.repo = Path(self.tmp.name)
        for rel in COPIED:
            (self.repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, self.repo / rel)
        self.git("init", "-q", "-b", "main")
        self.base = self.commit("as deployed")

    def tearDown(self):
        self.tmp.cleanup()

    def git(self, *args):
        return subprocess.run(["git", "-C", str(self.repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                              check=True, capture_output=True, text=True).stdout.strip()

    def commit(self, message):
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def edit(self, rel, change):
        path = self.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(change(path.read_text() if path.exists() else ""))

    def plan(self, base=None):
        head = self.commit("change")
        run = subprocess.run([sys.executable, str(PLAN), self.base if base is None else base, head, "--repo", str(self.repo)],
                             check=True, capture_output=True, text=True)
        kind, *reasons = run.stdout.splitlines()
        return kind, "\n".join(reasons)

    def test_new_spreekuur_dates_only_publish_the_site(self):
        self.edit("site/data/directory.toml", lambda t: t + '\n[[spreekuur.dates]]\ndate = "2030-06-12"\nstart = "15:00"\nend = "16:30"\nlocation = "heemskerk"\n')
        self.assertEqual(self.plan()[0], "site")

    def test_a_library_address_or_a_comment_only_publishes_the_site(self):
        self.edit("site/data/directory.toml", lambda t: t.replace('address = ""', 'address = "Straat 1, Heemskerk"', 1)
                  .replace("# Mailboxes of the coordinators.", "# The coordinators' mailboxes."))
        self.assertEqual(self.plan()[0], "site")

    def test_news_and_page_texts_only_publish_the_site(self):
        self.edit("site/content/berichten/2031-01-01-nieuw.md", lambda _: '+++\ntitle = "Nieuw"\ndate = 2031-01-01\n+++\nTekst.\n')
        self.edit("site/content/spreekuur.md", lambda t: t + "\nNog een zin.\n")
        self.assertEqual(self.plan(), ("site", "  2 changed file(s), none needs the stack"))

    def test_a_coordinator_address_only_publishes_the_site(self):
        # The function reads the published routing; no reviewer waits.
        self.edit("site/data/directory.toml", lambda t: t.replace("homestart.ijmond@example.org", "coordinator@example.org"))
        self.assertEqual(self.plan(), ("site", "  1 changed file(s), none needs the stack"))

    def test_a_region_or_fallback_change_only_publishes_the_site(self):
        self.edit("site/data/directory.toml", lambda t: t.replace('fallback = "info"', 'fallback = "spreekuur-ijmond"')
                  .replace('taalhuis = "taalhuis-ijmond"\n', ''))
        self.assertEqual(self.plan()[0], "site")

    def test_the_follow_up_setting_deploys_the_stack(self):
        # The function has it compiled in (reminders, the confirmation mail).
        self.edit("site/data/directory.toml", lambda t: t.replace("reminder_working_days = 2", "reminder_working_days = 3"))
        self.assertEqual(self.plan(), ("stack", "  site/data/directory.toml: [follow_up] changed (the form function is built with it)"))

    def test_code_and_infrastructure_deploy_the_stack(self):
        for rel in ["functions/src/main.rs", "infra/template.yaml", "mk/publish.mk"]:
            with self.subTest(rel):
                self.edit(rel, lambda t: t + "\n")
                kind, reasons = self.plan()
                self.assertEqual(kind, "stack")
                self.assertIn(f"{rel}: code or infrastructure", reasons)

    def test_form_page_texts_in_any_language_templates_and_config_only_publish_the_site(self):
        # The function reads the published form pages too.
        self.edit("site/content/contact.en.md", lambda t: t.replace("Do you have a question?", "Have a question?"))
        self.edit("site/content/contact.md", lambda t: t + "\nNog een zin.\n")
        self.edit("site/templates/base.html", lambda t: t + "\n")
        self.edit("site/config.toml", lambda t: t + "\n")
        self.assertEqual(self.plan()[0], "site")

    def test_moving_a_form_page_or_a_form_page_in_a_new_language_deploys_the_stack(self):
        # The function knows where each form and thank-you page is from its build.
        self.edit("site/content/contact.en.md", lambda t: t.replace('template = "form.html"', 'slug = "contact-us"\ntemplate = "form.html"'))
        kind, reasons = self.plan()
        self.assertEqual(kind, "stack")
        self.assertIn("site/content/contact.en.md: where a form or thank-you page is changed", reasons)
        self.edit("site/content/contact.fy.md", lambda _: (self.repo / "site/content/contact.en.md").read_text())
        kind, reasons = self.plan()
        self.assertEqual(kind, "stack")
        self.assertIn("site/content/contact.fy.md: where a form or thank-you page is changed", reasons)

    def test_a_new_language_deploys_the_stack(self):
        self.edit("site/config.toml", lambda t: t + '\n[languages.fy]\ntitle = "Stipe foar gesinnen"\n')
        kind, reasons = self.plan()
        self.assertEqual(kind, "stack")
        self.assertIn("site/config.toml: the languages changed", reasons)

    def test_the_functions_own_texts_deploy_the_stack_other_interface_texts_do_not(self):
        self.edit("site/i18n/nl.toml", lambda t: t.replace('nav_label = "Hoofdmenu"', 'nav_label = "Menu"'))
        self.assertEqual(self.plan()[0], "site")
        self.edit("site/i18n/nl.toml", lambda t: t.replace('error_summary_title = "Er ging iets mis"', 'error_summary_title = "Er is iets mis"'))
        kind, reasons = self.plan()
        self.assertEqual(kind, "stack")
        self.assertIn("site/i18n/nl.toml: the form function's own texts", reasons)

    def test_the_workflow_itself_needs_no_stack_deploy(self):
        # A stack deploy waits for a reviewer; a changed workflow file does
        # not make the next content push wait for one.
        self.edit(".github/workflows/publish.yml", lambda t: t + "# changed\n")
        self.assertEqual(self.plan()[0], "site")

    def test_no_known_earlier_deploy_deploys_everything(self):
        for base in ["", "0" * 40, "1234567890abcdef1234567890abcdef12345678"]:
            with self.subTest(base=base):
                self.assertEqual(self.plan(base=base)[0], "stack")

    def test_the_plan_is_handed_to_the_workflow(self):
        head = self.commit("nothing")
        out = self.repo / "github-output"
        subprocess.run([sys.executable, str(PLAN), self.base, head, "--repo", str(self.repo), "--github-output", str(out)], check=True,
                       capture_output=True)
        self.assertEqual(out.read_text(), "plan=site\n")


if __name__ == "__main__":
    unittest.main()
