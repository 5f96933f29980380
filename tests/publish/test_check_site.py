"""tools/check-site.py on deliberately broken copies of the real site:
each mistake an editor can make is refused with the file, the page and
what to do, in Dutch; the unbroken site passes."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tools" / "check-site.py"
NEWS = "content/berichten/2023-11-30-samen-spreekuur.md"


class CheckSite(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.site = Path(self.tmp.name) / "site"
        shutil.copytree(ROOT / "site", self.site, ignore=shutil.ignore_patterns("public"))

    def tearDown(self):
        self.tmp.cleanup()

    def edit(self, rel, change):
        path = self.site / rel
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    def check(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        run = subprocess.run([sys.executable, str(CHECK), "--site", str(self.site)], capture_output=True, text=True, env=env)
        return run.returncode, run.stdout + run.stderr

    def assert_refused(self, *expected):
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("Publiceren gestopt", out)
        for text in expected:
            self.assertIn(text, out)
        return out

    def test_the_site_as_it_is_passes(self):
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("Alles in orde", out)

    def test_a_date_that_is_not_in_the_calendar(self):
        self.edit("data/directory.toml", lambda t: t.replace('date = "2024-05-08"', 'date = "2024-02-30"'))
        out = self.assert_refused("Bestand: site/data/directory.toml, regel ", "Pagina: /spreekuur/",
                                  'de spreekuurdatum "2024-02-30" bestaat niet', "Wat te doen: kies een datum die in de kalender staat")
        line = int(out.split("directory.toml, regel ")[1].split("\n")[0])
        self.assertEqual((self.site / "data/directory.toml").read_text().splitlines()[line - 1], 'date = "2024-02-30"')

    def test_a_time_that_is_not_a_time_and_an_unknown_location(self):
        self.edit("data/directory.toml", lambda t: t.replace('start = "15:00"', 'start = "15.00 uur"').replace('location = ""', 'location = "haarlem"'))
        self.assert_refused('de begintijd "15.00 uur" bij 2024-05-08 is geen tijd', "schrijf de begintijd als UU:MM",
                            'de locatie "haarlem" bij 2024-05-08 bestaat niet', "kies een van deze locaties: beverwijk, heemskerk")

    def test_a_broken_directory_file_names_the_line(self):
        self.edit("data/directory.toml", lambda t: t.replace('date = "2024-05-08"', 'date = "2024-05-08'))
        out = self.assert_refused("Bestand: site/data/directory.toml, regel ", "aanhalingstekens")
        line = int(out.split("directory.toml, regel ")[1].split("\n")[0])
        self.assertIn('"2024-05-08', (self.site / "data/directory.toml").read_text().splitlines()[line - 1])

    def test_a_mail_address_that_is_not_an_address(self):
        self.edit("data/directory.toml", lambda t: t.replace('email = "info@example.org"', 'email = "info at example"'))
        self.assert_refused('het mailadres "info at example" (bij info) is geen geldig mailadres', "naam@organisatie.nl")

    def test_forms_routed_to_a_mailbox_that_does_not_exist(self):
        self.edit("data/directory.toml", lambda t: t.replace('taalhuis = "taalhuis-ijmond"', 'taalhuis = "taalhuis"'))
        self.assert_refused('de mailbox "taalhuis" (regio ijmond, taalhuis) staat niet bij de mailboxen', "Pagina: alle formulieren")

    def test_routing_the_form_function_cannot_read_is_never_published(self):
        # Every name and address looks right, but a municipality is in two
        # regions: only the function's own parser (forms check-directory,
        # through FORMS_BIN) knows, and the published copy would be refused.
        self.assertTrue(os.environ.get("FORMS_BIN"), "run through make test-publish, which builds forms and sets FORMS_BIN")
        self.edit("data/directory.toml", lambda t: t.replace('{ id = "opsterland", name = "Opsterland" },',
                                                             '{ id = "opsterland", name = "Opsterland" },\n  { id = "heemskerk", name = "Heemskerk" },'))
        self.assert_refused("Bestand: site/data/directory.toml", "Pagina: alle formulieren",
                            "de formulieren kunnen de verdeling niet lezen", "heemskerk")

    def test_a_news_item_with_broken_front_matter(self):
        self.edit(NEWS, lambda t: t.replace('title = "', 'title = ', 1))
        self.assert_refused(f"Bestand: site/{NEWS}, regel 2", "Pagina: /nieuws/samen-spreekuur/",
                            "de kop van de pagina", "tussen aanhalingstekens")

    def test_a_news_item_without_title_or_with_a_date_that_does_not_exist(self):
        self.edit(NEWS, lambda t: t.replace('date = "2023-11-30"', 'date = "30 november"'))
        self.edit("content/berichten/2023-04-18-home-start-friesland.md", lambda t: t.replace(
            'title = "Home-Start komt naar Opsterland en vier andere Friese gemeenten"', 'title = ""'))
        self.assert_refused('de datum "30 november" is geen datum', 'date = "2030-03-12"', "de pagina heeft geen titel",
                            "Pagina: /nieuws/home-start-friesland/")

    def test_a_news_date_on_a_day_that_does_not_exist(self):
        self.edit(NEWS, lambda t: t.replace('date = "2023-11-30"', 'date = "2023-11-31"'))
        self.assert_refused('de datum "2023-11-31" is geen datum', "kies een dag die bestaat")

    def test_a_page_without_its_english_version(self):
        (self.site / "content/berichten/2031-01-15-nieuw.md").write_text('+++\ntitle = "Nieuw bericht"\ndate = 2031-01-15\n+++\nTekst.\n')
        self.assert_refused("Bestand: site/content/berichten/2031-01-15-nieuw.md", "Pagina: /berichten/nieuw/",
                            "geen Engelse versie", "vul in de editor ook de Engelse tekst in")

    def test_a_link_to_a_page_that_does_not_exist(self):
        self.edit("content/spreekuur.md", lambda t: t + "\nLees ook [de folder](/folder-bestaat-niet/).\n")
        out = self.assert_refused("Bestand: site/content/spreekuur.md, regel ", "Pagina: /spreekuur/",
                                  "de link naar /folder-bestaat-niet/ gaat naar een pagina die niet bestaat", "haal de link weg")
        line = int(out.split("spreekuur.md, regel ")[1].split("\n")[0])
        self.assertIn("folder-bestaat-niet", (self.site / "content/spreekuur.md").read_text().splitlines()[line - 1])

    def test_a_shortcode_that_zola_cannot_render(self):
        self.edit("content/regio.md", lambda t: t + '\n{{ mailbox(key="bestaat-niet") }}\n')
        self.assert_refused("Bestand: site/content/regio.md", "Pagina: /regio/", "de shortcode {{ mailbox(...) }}",
                            "controleer dan de naam en de waarden")

    def test_an_end_time_before_the_start_time(self):
        self.edit("data/directory.toml", lambda t: t.replace('end = ""', 'end = "14:30"'))
        self.assert_refused("bij 2024-05-08 is de eindtijd (14:30) niet later dan de begintijd (15:00)", "verbeter de begin- of eindtijd")

    def test_a_changed_dutch_page_is_published_with_its_translations_reported(self):
        # A Dutch change and a new spreekuur date together: neither waits
        # for the translators.
        self.edit("content/contact.md", lambda t: t + "\nEen nieuwe zin in het Nederlands.\n")
        self.edit("data/directory.toml", lambda t: t + '\n[[spreekuur.dates]]\ndate = "2031-03-12"\nstart = "15:00"\nend = "16:30"\n')
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("Alles in orde", out)
        self.assertNotIn("Publiceren gestopt", out)
        self.assertIn("Nog te vertalen (dit houdt niets tegen", out)
        for lang, name in [("en", "Engels"), ("tr", "Turks"), ("ar", "Arabisch"), ("pl", "Pools"), ("uk", "Oekraïens")]:
            self.assertIn(f"- site/content/contact.{lang}.md ({name}): site/content/contact.md is veranderd", out)

    def test_every_problem_of_a_long_refusal_is_reported_whole(self):
        # Six interface texts missing in five languages: 30 problems, far
        # more than the 1,500 characters the report once kept.
        keys = [f"nieuwe_tekst_nummer_{n}" for n in range(6)]
        self.edit("i18n/nl.toml", lambda t: t + "\n" + "".join(f'{k} = "Nieuw"\n' for k in keys))
        out = self.assert_refused("Publiceren gestopt: 30 problemen gevonden.")
        self.assertGreater(len(out), 3000)
        for lang in ["en", "tr", "ar", "pl", "uk"]:
            for key in keys:
                self.assertIn(f"Bestand: site/i18n/{lang}.toml\n   Pagina: alle pagina's in die taal\n"
                              f"   Wat is er mis: geen tekst voor {key}. Voeg die toe", out)
        # Every problem starts at its beginning: numbered, file first.
        for n in range(1, 31):
            self.assertIn(f"\n{n}. Bestand: site/i18n/", out)


if __name__ == "__main__":
    unittest.main()
