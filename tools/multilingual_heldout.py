"""Held-out multilingual evaluation prompts for the classifier (German and French).

Hand-written labelled prompts in German (``"de"``) and French (``"fr"``) for the
prompt classifier's two questions: must the prompt stay on the company's edge
(``SENSITIVITY``: ``(text, sensitive, category)``), and does it need a large model
(``COMPLEXITY``: ``(text, complex, category)``). The labels follow
``gateway/classify/data/eval/README.md``.

This is the held-out split. It was written apart from the dev split
(``tools/multilingual_dev.py``) and from the classifier: its author did not read
the classifier's term lists, national-ID code, policies or the dev prompts, so
its wording cannot have been tuned to them. Report on it; do not tune on it.

Sensitive categories: ``health``, ``hr`` and ``financial`` (an identified private
person: a relative, a colleague, a named person, "Patientin Frau K., 67"),
``contact`` (private e-mail, mobile number in national format, home address),
``national_id`` (German Steuer-ID, French NIR, EU VAT numbers given with a
person, IBANs), ``secret`` (credentials in a sentence or config) and
``confidential_term`` (the deny-listed project and partner names). Harmless
categories: ``public_person``, ``general_task``, ``lookalike`` (the same topics with
no person, textbook patients, placeholders, ID-shaped numbers with wrong check
digits, order and invoice numbers, dates) and ``places_dates_companies``.
Complexity categories: ``math_proof``, ``reasoning``, ``code_write``,
``code_debug``, ``system_design``, ``long_writing`` and ``domain_analysis``
(complex); ``chitchat``, ``factual``, ``transform``, ``extract_classify`` and
``simple_code`` (simple). The rows mix registers (du/Sie, tu/vous), regional
variants (Swiss, Austrian, Belgian, Québec), typos, missing accents and some
English.

All personal data and credentials are invented. The identifiers were drawn at
random by a throwaway script (not kept) and made valid by computing their check
digits: Steuer-ID = 10 digits, the first not 0, exactly one digit occurring two
or three times, then an ISO 7064 MOD 11,10 check digit; NIR = 13 digits (sex,
year, month, department, with 2A/2B read as 19/18, commune, order) plus the key
97 - (n mod 97); German VAT = "DE" + 8 digits + MOD 11,10 check digit; French
VAT = "FR" + key + a Luhn-valid SIREN, key = (12 + 3 * (SIREN mod 97)) mod 97;
IBANs (DE, FR with a valid RIB key, AT, CH, BE with a valid national check) have
ISO 13616 mod-97 = 1. Every number in a ``national_id`` row passes its check;
every ID-shaped number in a ``lookalike`` row fails it (IBAN check digits 00 or
wrong, a NIR key of 00, Steuer-IDs with no repeated digit, a French VAT key of 00).
"""

from __future__ import annotations

SENSITIVITY: dict[str, list[tuple[str, bool, str]]] = {
    "de": [
        # health
        (
            "Meine Mutter (72) hat gestern die Diagnose Parkinson bekommen und soll jetzt "
            "Madopar nehmen. Kannst du mir erklären, was auf uns zukommt und welche Fragen ich "
            "beim nächsten Termin dem Neurologen stellen sollte?",
            True,
            "health",
        ),
        (
            "Patientin Frau K., 67, Z.n. Hüft-TEP links, seit 3 Tagen Fieber bis 38,9 und CRP "
            "180. Bitte formuliere einen kurzen Verlegungsbrief an die Unfallchirurgie im "
            "Klinikum Augsburg.",
            True,
            "health",
        ),
        (
            "Mein Kollege Jonas Wiedemann ist seit zwei Wochen wegen einer schweren Depression "
            "in der Tagesklinik. Wie schreibe ich ihm eine Karte vom Team, ohne dass es "
            "komisch rüberkommt?",
            True,
            "health",
        ),
        (
            "hallo, meine freundin lea ist in der 14. woche schwanger aber auf der arbeit "
            "weiss das noch keiner. sie hat grad extreme übelkeit, was darf sie da nehmen ohne "
            "dem baby zu schaden??",
            True,
            "health",
        ),
        (
            "Schreib bitte eine Entschuldigung für die Schule: Unser Sohn Maximilian Huber "
            "(Klasse 3b) war vom 4. bis 8. März wegen Scharlach krank und musste Antibiotika "
            "nehmen.",
            True,
            "health",
        ),
        (
            "Mein Schwiegervater, der Herr Pichler aus Graz, trinkt seit Jahren zu viel und "
            "war jetzt schon zum zweiten Mal im LKH wegen einem Krampfanfall im Entzug. Wie "
            "sprech ich das am Sonntag beim Essen an, ohne dass er gleich zumacht?",
            True,
            "health",
        ),
        (
            "Kannst du diese Notiz ins Hochdeutsche übertragen: 'Frau Heidi Brunner, Jg. 1949, "
            "hed sit em Mäntig e Lungenentzündig, nimmt Co-Amoxi 1 g zweimal täglich, d Spitex "
            "chunnt am Morge und am Abig.'",
            True,
            "health",
        ),
        (
            "Quick question, sorry for the English: my colleague Sandra Vogel told me she "
            "takes lithium for her bipolar disorder. Muss ich das meinem Teamleiter sagen, "
            "wenn sie bei uns jetzt Nachtschichten übernimmt?",
            True,
            "health",
        ),
        # hr
        (
            "Formuliere eine Abmahnung für Herrn Dennis Krause (Lager, Personalnummer 40718), "
            "der am 12.02. und am 19.02. unentschuldigt gefehlt hat. Ton: sachlich, aber "
            "unmissverständlich.",
            True,
            "hr",
        ),
        (
            "Die Probezeit von Tobias Brandl endet am 30. Juni und wir wollen ihn nicht "
            "übernehmen, weil er die Zielvorgaben im Vertrieb klar verfehlt. Wie formuliere "
            "ich die Kündigung fair und rechtssicher?",
            True,
            "hr",
        ),
        (
            "Unsere Buchhalterin Petra Lindner verdient 4.350 € brutto und möchte 500 € mehr. "
            "Gib mir Argumente, warum wir ihr dieses Jahr nur 200 € anbieten können.",
            True,
            "hr",
        ),
        (
            "Frau Nowak aus dem Vertrieb hat die dritte AU in diesem Quartal eingereicht, "
            "jedes Mal an einem Montag. Wie spreche ich das im Personalgespräch an, ohne "
            "arbeitsrechtlich was falsch zu machen?",
            True,
            "hr",
        ),
        (
            "Bitte fass das fürs Personaldossier zusammen: Marco Bianchi (Logistik, Standort "
            "Winterthur) hatte am 3. April einen lauten Streit mit seinem Vorgesetzten, danach "
            "schriftliche Verwarnung, jetzt steht eine Freistellung im Raum.",
            True,
            "hr",
        ),
        (
            "Zwischenzeugnis für Julia Schmitt, Marketing: Leistung eher befriedigend, "
            "Verhalten gegenüber Kollegen gut, sie geht Ende des Jahres in Elternzeit. Bitte "
            "in Zeugnissprache, aber ehrlich.",
            True,
            "hr",
        ),
        (
            "ich muss morgen meinem kollegen felix beibringen, dass er bei der beförderung "
            "übergangen wurde und die anna meier statt ihm teamleiterin wird. hast du tipps "
            "wie ich das rüberbringe?",
            True,
            "hr",
        ),
        (
            "Der Herr Gruber aus der Buchhaltung arbeitet ab 1. Juli nur mehr 30 Stunden und "
            "bekommt dann 2.870 € brutto statt 3.820 €. Schreiben Sie ihm bitte ein kurzes, "
            "freundliches Bestätigungsschreiben.",
            True,
            "hr",
        ),
        # financial
        (
            "Mein Bruder Stefan hat 18.000 € Schulden bei drei Banken, sein Dispo ist seit "
            "Monaten ausgereizt und er traut sich nicht mehr, die Briefe vom Inkassobüro "
            "aufzumachen. Wie kann ich ihm konkret helfen?",
            True,
            "financial",
        ),
        (
            "Schreib ein Mahnschreiben an unseren Mieter Herrn Erik Sommer: Die Miete für "
            "Januar bis März (je 780 €) ist immer noch offen, wir setzen eine letzte Frist bis "
            "zum 15. April.",
            True,
            "financial",
        ),
        (
            "Bei unserer Mitarbeiterin Sabine Roth ist seit letztem Monat eine Lohnpfändung "
            "eingegangen. Wie berechnen wir als Arbeitgeber den pfändbaren Betrag bei 2.900 € "
            "netto und zwei unterhaltsberechtigten Kindern?",
            True,
            "financial",
        ),
        (
            "Mein Vater hat einen negativen Schufa-Eintrag wegen einer alten Handyrechnung und "
            "bekommt deswegen keinen Kredit fürs Auto. Wie lange bleibt das drin und kann er "
            "es löschen lassen?",
            True,
            "financial",
        ),
        (
            "Die Firma von Albrecht Kessler (Kessler Haustechnik GmbH, Bielefeld) hat letzte "
            "Woche Insolvenz angemeldet und er selbst haftet mit 60.000 € aus einer "
            "Bürgschaft. Wie erkläre ich ihm die Privatinsolvenz verständlich?",
            True,
            "financial",
        ),
        (
            "Meine Nachbarin, die Frau Hofer, hat mir erzählt, dass sie ihre Kreditrate bei "
            "der Bank schon zweimal nicht zahlen konnte und jetzt ein Schreiben wegen "
            "Fälligstellung bekommen hat. Was passiert in Österreich als Nächstes?",
            True,
            "financial",
        ),
        (
            "Can you help me draft this? Mein Ex-Mann Thomas Berger zahlt seit August keinen "
            "Kindesunterhalt mehr, der Rückstand liegt jetzt bei 2.340 €, und ich will das "
            "Jugendamt einschalten.",
            True,
            "financial",
        ),
        # contact
        (
            "Schreib eine Einladung zum Elternabend am Donnerstag und schick sie an Frau "
            "Keller: claudia.keller84@gmx.de, Handy 0172 4418903.",
            True,
            "contact",
        ),
        (
            "Bitte trag das in die Mitgliederliste ein: Jannik Vogt, Birkenweg 7, 79098 "
            "Freiburg im Breisgau, mobil 0157 38471266.",
            True,
            "contact",
        ),
        (
            "Meine neue Adresse ab 1. Mai: Sophie Lehmann, Gartenstraße 22a, 04107 Leipzig. "
            "Mach mir daraus bitte eine Umzugsmitteilung für Bank und Versicherung.",
            True,
            "contact",
        ),
        (
            "Kontaktdaten vom Hauswart für den Aushang im Treppenhaus: Beat Zürcher, "
            "Seestrasse 41, 8800 Thalwil, Natel 079 482 16 37. Bitte freundlich und kurz.",
            True,
            "contact",
        ),
        (
            "Der Installateur soll sich direkt bei meiner Oma melden: Maria Steiner, "
            "Hauptplatz 3, 4020 Linz, Tel. 0664 3925718. Kannst du ihm das in einer SMS "
            "zusammenfassen?",
            True,
            "contact",
        ),
        (
            "Kannst du die Mail unten freundlicher formulieren und an lukas.brenner@web.de "
            "adressieren? Es geht um die Schlüsselübergabe für die Wohnung am Samstag.",
            True,
            "contact",
        ),
        (
            "Hier meine privaten Daten fürs Bewerbungsformular, bitte als Kopfzeile für den "
            "Lebenslauf formatieren: Aylin Demir, Schillerstr. 5, 70173 Stuttgart, "
            "aylin.demir@t-online.de, 01590 1238874.",
            True,
            "contact",
        ),
        # national_id
        (
            "Für die Lohnabrechnung: Die Steuer-ID von Franziska Hahn ist 86 703 715 291. "
            "Schreib eine kurze Mail an unsere Steuerberaterin, dass die Nummer jetzt vorliegt.",
            True,
            "national_id",
        ),
        (
            "Ist meine Steuer-Identifikationsnummer 97130486586 so richtig? Steht so auf dem "
            "Bescheid, ausgestellt auf Rüdiger Albers.",
            True,
            "national_id",
        ),
        (
            "Bitte eine Überweisungsvorlage erstellen: Empfängerin Katharina Wolff, IBAN DE38 "
            "0494 5892 4570 1709 41, Betrag 420 €, Verwendungszweck Rückzahlung Kaution.",
            True,
            "national_id",
        ),
        (
            "Rechnungskopf für meinen Freelancer-Auftrag: Niklas Jung, Webdesign, USt-IdNr. "
            "DE116907230, IBAN DE57 8078 6247 4732 1645 60. Mach mir bitte eine saubere "
            "Vorlage daraus.",
            True,
            "national_id",
        ),
        (
            "Der Lohn von Herrn Reto Gasser geht ab sofort auf das Konto CH11 6129 2036 0756 "
            "1219 9. Formulieren Sie bitte die Bestätigung an ihn.",
            True,
            "national_id",
        ),
        (
            "Die Kontoverbindung meiner Tante Elfriede Moser hat sich geändert, neu ist AT90 "
            "1123 9443 3262 7830. Kannst du den Text für den Dauerauftrag an die Pflegerin "
            "anpassen?",
            True,
            "national_id",
        ),
        (
            "Steuer-ID 76972804133 (Mehmet Aksoy, geb. 14.09.1988) - wo genau muss ich die im "
            "ELSTER-Formular eintragen?",
            True,
            "national_id",
        ),
        (
            "Our new contractor from Germany: Lisa Kröger, tax ID 79081548686, VAT "
            "DE918996582. Bitte als Stammdatensatz im JSON-Format ausgeben.",
            True,
            "national_id",
        ),
        # secret
        (
            "Das Gäste-WLAN heißt 'Ferienhof-Gast' mit Passwort Sonnenblume!2024Hof, das "
            "Admin-Passwort vom Router ist lwjW0NEtGQg!NI. Schreib mir einen Zettel für die "
            "Ferienwohnung, aber nur mit den Gastdaten.",
            True,
            "secret",
        ),
        (
            "Warum klappt der Zugriff nicht? aws_access_key_id = AKIAZG1N0IK7SRR0V965, "
            "aws_secret_access_key = ksg51ipvTtJjkBecqEzSUjEydoPp0R+FW8g3znpj, Region "
            "eu-central-1. Fehlermeldung: SignatureDoesNotMatch",
            True,
            "secret",
        ),
        (
            "Kannst du dieses docker-compose prüfen, der Container startet nicht?\n  db:\n    "
            "image: postgres:16\n    environment:\n      POSTGRES_USER: shop\n      "
            "POSTGRES_PASSWORD: oGq2xi2N4HoZtU",
            True,
            "secret",
        ),
        (
            "Mein GitHub-Token ghp_n4RGmHAC66klPuvBt5wOaSPR4w6VVqOcR9vo geht im CI plötzlich "
            "nicht mehr (403). Hat sich bei den Berechtigungen was geändert?",
            True,
            "secret",
        ),
        (
            "Zugang für die neue Praktikantin: Benutzer m.schulze, Passwort Herbst#Laub77, "
            "VPN-Server vpn.mueller-haustechnik.de. Schreib ihr eine Willkommensmail mit "
            "diesen Daten.",
            True,
            "secret",
        ),
        (
            "Connection-String für die Staging-DB: "
            "postgresql://admin:97!Qk!b&!$LOBq@10.0.4.12:5432/crm - wie bau ich den in "
            "SQLAlchemy ein, ohne dass es wegen der Sonderzeichen knallt?",
            True,
            "secret",
        ),
        # confidential_term
        (
            "Fass bitte das Protokoll vom Lenkungskreis zu Project Bluefin in fünf "
            "Stichpunkten zusammen: Zeitplan auf Q3 verschoben, Budget plus 12 %, zwei neue "
            "Stellen, Risiko Lieferkette, nächster Termin 14.5.",
            True,
            "confidential_term",
        ),
        (
            "Schreib eine kurze Mail ans Team: Die Go-live-Freigabe für Orion-7 gibt es erst "
            "nach dem Security-Review am Donnerstag.",
            True,
            "confidential_term",
        ),
        (
            "Wir verhandeln gerade mit Contoso Pharma über eine Lizenz. Welche Klauseln "
            "sollten wir im Term Sheet auf keinen Fall vergessen?",
            True,
            "confidential_term",
        ),
        (
            "kannst du die präsi für project nightjar auf englisch übersetzen? folie 3 "
            "'Marktpotenzial DACH', folie 4 'Risiken und Gegenmaßnahmen'",
            True,
            "confidential_term",
        ),
        (
            "Bitte formulier eine höfliche Absage an den Journalisten, der nach unserer "
            "Kooperation mit Fabrikam Health gefragt hat. Wir kommentieren das derzeit nicht.",
            True,
            "confidential_term",
        ),
        (
            "Chönntsch mir es Agenda-Mail für de Workshop zu PROJECT BLUEFIN am Zischtig "
            "schriibe? Bitte uf Hochdütsch.",
            True,
            "confidential_term",
        ),
        # public_person
        ("Wann wurde Angela Merkel zum ersten Mal Bundeskanzlerin?", False, "public_person"),
        (
            "Fasse die wichtigsten Werke von Thomas Mann in drei Sätzen zusammen.",
            False,
            "public_person",
        ),
        ("Wie viele Grand-Slam-Titel hat Roger Federer gewonnen?", False, "public_person"),
        (
            "Erklär mir in einfachen Worten, wofür Albert Einstein den Nobelpreis bekommen hat.",
            False,
            "public_person",
        ),
        (
            "Warum war der Kniefall von Willy Brandt in Warschau so bedeutend?",
            False,
            "public_person",
        ),
        (
            "Stimmt es, dass Beethoven bei der Uraufführung der Neunten schon taub war?",
            False,
            "public_person",
        ),
        ("Wer war Bruno Kreisky und was hat er für Österreich bewirkt?", False, "public_person"),
        (
            "Wie alt war Mozart, als er starb, und woran ist er nach heutigem Wissen "
            "vermutlich gestorben?",
            False,
            "public_person",
        ),
        ("How did Dirk Nowitzki end up in Dallas? Bitte kurz auf Deutsch.", False, "public_person"),
        ("Welche Partei führte Helmut Kohl und wie lange war er Kanzler?", False, "public_person"),
        # general_task
        ("Schreib mir ein Rezept für Käsespätzle für 4 Personen.", False, "general_task"),
        (
            "Kannst du diesen Satz ins Englische übersetzen: 'Wir freuen uns auf die weitere "
            "Zusammenarbeit im neuen Jahr.'",
            False,
            "general_task",
        ),
        (
            "Formuliere eine höfliche Absage für die Einladung zum Sommerfest, ich hab an dem "
            "Tag leider schon was vor.",
            False,
            "general_task",
        ),
        ("Gib mir 10 lustige Ideen für einen Teamnamen beim Firmenlauf.", False, "general_task"),
        (
            "Wie sortiere ich in Excel eine Spalte nach Datum, wenn die Daten als Text "
            "gespeichert sind?",
            False,
            "general_task",
        ),
        (
            "Schreib eine Python-Funktion, die prüft, ob ein Wort ein Palindrom ist.",
            False,
            "general_task",
        ),
        (
            "Hilf mir, eine LinkedIn-Zusammenfassung für eine Projektmanagerin mit acht Jahren "
            "Erfahrung in der Logistik zu schreiben.",
            False,
            "general_task",
        ),
        (
            "Was kann man am Wochenende mit zwei Kindern (5 und 8) bei Regen unternehmen?",
            False,
            "general_task",
        ),
        (
            "korrigier mal die rechtschreibung: 'ich hab gestern versucht dich anzurufen aber "
            "du warst nich da, meld dich mal wen du zeit hast'",
            False,
            "general_task",
        ),
        (
            "Schriib mer en churze Text für d Website vo üsere Bäckerei, uf Hochdütsch und "
            "fründlich.",
            False,
            "general_task",
        ),
        (
            "Erklär den Unterschied zwischen 'das' und 'dass' mit drei Beispielen.",
            False,
            "general_task",
        ),
        (
            "Plane mir einen vegetarischen Meal-Prep-Wochenplan, höchstens 30 Minuten Kochzeit "
            "pro Tag.",
            False,
            "general_task",
        ),
        (
            "Can you make this sound more professional? 'Hallo zusammen, das Meeting morgen "
            "fällt aus, neuer Termin kommt noch.'",
            False,
            "general_task",
        ),
        # lookalike
        (
            "Welche Nebenwirkungen hat Metformin typischerweise und wann sollte man es nicht "
            "nehmen?",
            False,
            "lookalike",
        ),
        (
            "Wie lange darf in Deutschland eine Probezeit dauern und welche Kündigungsfrist "
            "gilt währenddessen?",
            False,
            "lookalike",
        ),
        (
            "Erklär mir, wie ein Annuitätendarlehen funktioniert, also wie sich Zins und "
            "Tilgung über die Laufzeit verschieben.",
            False,
            "lookalike",
        ),
        (
            "Lehrbuchfrage: Der Patient klagt über Brustschmerzen mit Ausstrahlung in den "
            "linken Arm. Welche Differentialdiagnosen sollte man im Examen nennen?",
            False,
            "lookalike",
        ),
        (
            "Wie ist die deutsche Steuer-ID aufgebaut und wie wird die Prüfziffer berechnet?",
            False,
            "lookalike",
        ),
        (
            "In der Testumgebung nutzen wir die IBAN DE00 1234 5678 9012 3456 78 als Dummy. "
            "Warum lehnt die Bank-API die ab?",
            False,
            "lookalike",
        ),
        (
            "Unser Formular zeigt bei der Steuer-ID 12345678901 'ungültig' an, das ist aber "
            "nur ein Testwert. Wie baue ich die Prüfung im Frontend sauber?",
            False,
            "lookalike",
        ),
        (
            "Bestellung 4500187263 ist immer noch nicht angekommen, bitte formulier eine "
            "Nachfrage an den Lieferanten.",
            False,
            "lookalike",
        ),
        (
            "Rechnung Nr. RE-2024-00871 vom 15.03.2024: Wie lange muss ich die als "
            "Kleinunternehmer aufbewahren?",
            False,
            "lookalike",
        ),
        (
            "Im Vertragsmuster stehen Platzhalter wie [Name], [Anschrift] und [Steuer-ID]. Wie "
            "formuliere ich den Absatz zum Datenschutz neutral?",
            False,
            "lookalike",
        ),
        (
            "Was bedeutet eine Lohnpfändung allgemein für Arbeitnehmer und wie hoch ist die "
            "Pfändungsfreigrenze aktuell?",
            False,
            "lookalike",
        ),
        (
            "Wie funktioniert der Schufa-Score und wie lange werden Einträge gespeichert?",
            False,
            "lookalike",
        ),
        (
            "Für die Schulung brauche ich fünf Beispiel-Mailadressen, die garantiert niemandem "
            "gehören. Geht sowas wie vorname.nachname@example.org?",
            False,
            "lookalike",
        ),
        (
            "Auf einer Schulungsfolie steht 52837461906 als Beispiel für eine Steuer-ID. Ist "
            "die überhaupt gültig?",
            False,
            "lookalike",
        ),
        (
            "Was ist medizinisch der Unterschied zwischen Burnout und Depression?",
            False,
            "lookalike",
        ),
        (
            "Darf mein Arbeitgeber bei einer Krankmeldung eigentlich nach der Diagnose fragen?",
            False,
            "lookalike",
        ),
        (
            "Ist der 03.10.2025 in ganz Deutschland ein Feiertag, und fällt er auf einen Werktag?",
            False,
            "lookalike",
        ),
        (
            "Passwortrichtlinie: mindestens 12 Zeichen, Groß- und Kleinbuchstaben, eine Zahl. "
            "Schreib mir einen Regex dafür.",
            False,
            "lookalike",
        ),
        # places_dates_companies
        (
            "Wie komme ich am schnellsten mit dem Zug von München nach Salzburg?",
            False,
            "places_dates_companies",
        ),
        (
            "Wann ist 2026 Ostern und haben die Geschäfte in Bayern am Ostermontag zu?",
            False,
            "places_dates_companies",
        ),
        (
            "Was macht die Siemens Healthineers AG genau und wo sitzt sie?",
            False,
            "places_dates_companies",
        ),
        (
            "Plane einen dreitägigen Ausflug an den Bodensee im September mit Lindau und Konstanz.",
            False,
            "places_dates_companies",
        ),
        ("Wie viele Einwohner hat Zürich ungefähr?", False, "places_dates_companies"),
        (
            "Welche großen Banken haben ihren Hauptsitz in Frankfurt am Main?",
            False,
            "places_dates_companies",
        ),
        (
            "Wann endet das Geschäftsjahr der SAP SE und wann kommen die Quartalszahlen?",
            False,
            "places_dates_companies",
        ),
        (
            "Was ist der Unterschied zwischen einer GmbH und einer UG (haftungsbeschränkt)?",
            False,
            "places_dates_companies",
        ),
        (
            "Was kann man in Wien am 26. Oktober machen, wenn Nationalfeiertag ist?",
            False,
            "places_dates_companies",
        ),
        (
            "In welchen Schweizer Kantonen wird hauptsächlich Französisch gesprochen?",
            False,
            "places_dates_companies",
        ),
    ],
    "fr": [
        # health
        (
            "Ma mère, 78 ans, vient d'être diagnostiquée Alzheimer au CHU de Nantes et on lui "
            "a prescrit du donépézil. Comment j'annonce ça à mes frères et sœurs, et à quoi on "
            "doit s'attendre dans les prochains mois ?",
            True,
            "health",
        ),
        (
            "Patient M. Girard, 54 ans, diabétique de type 2 sous insuline, HbA1c à 9,2 %, "
            "plaie du pied droit depuis 3 semaines. Rédige une lettre de liaison pour son "
            "médecin traitant.",
            True,
            "health",
        ),
        (
            "Ma collègue Nathalie Fournier est en arrêt pour burn-out depuis un mois et elle "
            "est sous antidépresseurs. Comment lui écrire un petit mot de la part de l'équipe "
            "sans être maladroite ?",
            True,
            "health",
        ),
        (
            "salut, mon coloc hugo est sous methadone depuis sa cure et il veut partir en "
            "thailande cet ete, il peut emmener son traitement dans l'avion ? jsp du tout "
            "comment ca marche",
            True,
            "health",
        ),
        (
            "Mon chum Maxime a reçu un diagnostic de sclérose en plaques à l'Hôpital "
            "Maisonneuve-Rosemont la semaine passée. Peux-tu m'aider à comprendre ce que le "
            "neurologue a voulu dire avec les poussées?",
            True,
            "health",
        ),
        (
            "Peux-tu rédiger un mot pour l'institutrice : notre fille Zoé Lambert (3e "
            "primaire) est hospitalisée à Saint-Luc pour une appendicite et sera absente une "
            "dizaine de jours.",
            True,
            "health",
        ),
        (
            "Quick one: my sister-in-law Camille est enceinte de cinq mois et vient "
            "d'apprendre qu'elle a un diabète gestationnel. Quels menus je peux lui préparer "
            "quand elle vient chez nous à Noël ?",
            True,
            "health",
        ),
        (
            "Résume ce compte rendu pour la famille, avec des mots simples : Mme Odile Perrin, "
            "née en 1941, hospitalisée le 12/11 pour AVC ischémique sylvien gauche, aphasie, "
            "transférée en rééducation à Berck.",
            True,
            "health",
        ),
        # hr
        (
            "Rédige un avertissement pour M. Kevin Morel, préparateur de commandes, qui est "
            "arrivé en retard sept fois en février malgré un premier rappel à l'oral.",
            True,
            "hr",
        ),
        (
            "Je dois annoncer à Julie Bernard qu'on ne confirme pas sa période d'essai. "
            "Comment le lui dire avec tact lors de l'entretien de vendredi ?",
            True,
            "hr",
        ),
        (
            "Notre comptable Sylvie Garnier est à 3 200 € brut et demande 10 % d'augmentation. "
            "Prépare-moi des arguments pour négocier autour de 4 %.",
            True,
            "hr",
        ),
        (
            "Fais-moi une synthèse pour le dossier RH : conflit entre Mehdi Haddad et sa "
            "responsable le 14 mars, insultes des deux côtés, mise à pied conservatoire "
            "envisagée.",
            True,
            "hr",
        ),
        (
            "Evaluation annuelle de Thomas Petit, dev backend : objectifs atteints a 70%, bon "
            "esprit d'equipe mais beaucoup d'absences. Aide moi a formuler ca pour le "
            "formulaire RH.",
            True,
            "hr",
        ),
        (
            "Notre employée Mme Delvaux a rentré un certificat médical de trois semaines juste "
            "après avoir reçu son préavis. Est-ce que le préavis est suspendu en Belgique ?",
            True,
            "hr",
        ),
        (
            "Mon employé Jean-François Tremblay a demandé un congé parental de 32 semaines. "
            "Peux-tu m'aider à écrire la réponse officielle et à planifier son remplacement?",
            True,
            "hr",
        ),
        (
            "Lettre de licenciement pour M. Luca Rossi, magasinier sur notre site de Lausanne, "
            "délai de congé de deux mois, motif réorganisation. Ton sobre, vouvoiement.",
            True,
            "hr",
        ),
        # financial
        (
            "Mon frère Antoine a 23 000 € de crédits conso et son découvert est bloqué à -1 "
            "500 € depuis des mois. Comment l'aider à monter un dossier de surendettement à la "
            "Banque de France ?",
            True,
            "financial",
        ),
        (
            "Écris une lettre de relance à notre locataire Mme Chantal Robin : les loyers de "
            "novembre et décembre (650 € chacun) sont toujours impayés, dernier délai le 31 "
            "janvier.",
            True,
            "financial",
        ),
        (
            "On a reçu un avis de saisie sur salaire pour notre salarié Franck Roussel. "
            "Comment calculer la part saisissable sur 2 100 € net avec un enfant à charge ?",
            True,
            "financial",
        ),
        (
            "Mon père est fiché à la Banque de France pour des chèques sans provision et "
            "n'arrive plus à ouvrir de compte. Qu'est-ce qu'il peut faire ?",
            True,
            "financial",
        ),
        (
            "La boulangerie de Patrick Lemaire à Rouen est en liquidation judiciaire et il "
            "s'est porté caution personnelle pour 45 000 €. Qu'est-ce qu'il risque "
            "concrètement sur ses biens ?",
            True,
            "financial",
        ),
        (
            "Ma voisine Ginette Côté a fait une proposition de consommateur avec un syndic le "
            "mois passé. Ça reste combien de temps dans son dossier de crédit chez Equifax?",
            True,
            "financial",
        ),
        (
            "Can you translate this to English for the bank? « Mme Élodie Marchand a un retard "
            "de trois mensualités sur son prêt immobilier, soit 2 847 €. »",
            True,
            "financial",
        ),
        # contact
        (
            "Envoie l'invitation pour l'anniversaire de Léa à sa maman : "
            "sandrine.leroy77@orange.fr, ou par texto au 06 48 21 93 57.",
            True,
            "contact",
        ),
        (
            "Nouvelle adresse de ma grand-mère : Jacqueline Faure, 8 allée des Tilleuls, 33600 "
            "Pessac. Fais-moi un modèle de lettre pour prévenir la CAF et la mutuelle.",
            True,
            "contact",
        ),
        (
            "Tu peux mettre ces coordonnées en forme pour le trombinoscope du club ? Romain "
            "Chevalier, 27 boulevard Voltaire, 75011 Paris, 07 62 18 44 09, "
            "romain.chevalier@free.fr",
            True,
            "contact",
        ),
        (
            "Le plombier doit contacter directement ma locataire : Mme Aurélie Dubois, rue du "
            "Moulin 14, 4000 Liège, GSM 0478 52 19 36.",
            True,
            "contact",
        ),
        (
            "Peux-tu rédiger un courriel à mon ancienne prof Isabelle Gagnon "
            "(isabelle.gagnon@videotron.ca) pour lui demander une lettre de référence?",
            True,
            "contact",
        ),
        (
            "Coordonnées du concierge pour l'affiche de l'immeuble : M. Daniel Favre, chemin "
            "des Vignes 6, 1009 Pully, natel 079 315 62 48.",
            True,
            "contact",
        ),
        (
            "mon numero perso c'est le 06 11 74 38 20 et mon mail clara.dumont@laposte.net, "
            "met ca en en-tete de mon CV stp",
            True,
            "contact",
        ),
        # national_id
        (
            "Pour la mutuelle étudiante : le numéro de sécu de mon fils Lucas Moreau est 1 02 "
            "04 2A 004 077 79. Rédige le mail d'inscription.",
            True,
            "national_id",
        ),
        (
            "Mme Isabelle Roux, NIR 2 58 03 75 112 047 16 : rédige le courrier à la CPAM pour "
            "signaler son changement d'adresse.",
            True,
            "national_id",
        ),
        (
            "Je m'appelle Sébastien Caron et mon numéro de sécurité sociale est "
            "184116938321596. Le site ameli me demande de le confirmer, c'est bien 15 chiffres "
            "?",
            True,
            "national_id",
        ),
        (
            "Fais-moi un RIB propre à envoyer au proprio : titulaire Marc Blanc, IBAN FR76 "
            "7663 0245 6649 2474 7724 810.",
            True,
            "national_id",
        ),
        (
            "En-tête de facture freelance : Émilie Vasseur, graphiste, TVA intracommunautaire "
            "FR38313187239, IBAN FR76 3351 5808 9052 4394 1855 703.",
            True,
            "national_id",
        ),
        (
            "Merci de verser le remboursement à Mme Nadia Benali sur le compte BE32 9458 7158 "
            "0002 et de lui confirmer par écrit.",
            True,
            "national_id",
        ),
        (
            "Le salaire de M. Yves Rochat doit désormais être versé sur CH65 9837 2047 0923 "
            "5446 9. Rédigez la confirmation à son attention.",
            True,
            "national_id",
        ),
        (
            "Our German supplier contact is Jörg Hansen, USt-IdNr DE321273265, and his French "
            "partner Sarah Klein has numéro de sécu 2 91 06 13 055 302 24. Peux-tu me faire un "
            "tableau avec ces infos ?",
            True,
            "national_id",
        ),
        (
            "Le numéro de TVA de l'auto-entreprise de mon beau-frère Cédric Noël, c'est "
            "FR43962846325. Tu peux l'ajouter dans le devis pour la cuisine ?",
            True,
            "national_id",
        ),
        # secret
        (
            "Le mot de passe admin de la box c'est 9mJStHTP3YtGOd et le wifi invités c'est "
            "'Lavande2024'. Fais-moi une petite fiche pour le gîte, avec seulement le wifi "
            "invités.",
            True,
            "secret",
        ),
        (
            "Pourquoi mon script plante ? export AWS_ACCESS_KEY_ID=AKIAVK4EX1ET18XF4LMK puis "
            "export AWS_SECRET_ACCESS_KEY=/vmk4/PuLsLwGNzipwMsrP1znmcfFdl7Pc422TJ2, et aws s3 "
            "ls renvoie AccessDenied.",
            True,
            "secret",
        ),
        (
            "Voici mon .env, pourquoi Stripe refuse les paiements en prod ?\n"
            "STRIPE_SECRET_KEY=sk_live_bvZ0UGq2Qr9gZM4b4X9Os4Rt\nSTRIPE_MODE=live",
            True,
            "secret",
        ),
        (
            "Mon bot Slack avec le token "
            "xoxb-964688751311-9411670931102-C6HoFa8jYkKFrMHtWwhU27rF ne poste plus dans le "
            "canal #alertes, une idée ?",
            True,
            "secret",
        ),
        (
            "Identifiants pour le nouveau stagiaire : login j.martin, mdp Printemps!Ruche42, "
            "serveur sftp.atelier-durand.fr. Rédige-lui un mail d'accueil avec tout ça.",
            True,
            "secret",
        ),
        (
            "config.yaml :\nopenai:\n  api_key: "
            "sk-proj-TfSd2oHTSslff6Uxm3jlweExYVyIDkVQsR63065__f9kgePn\n  model: gpt-4o\nÇa me "
            "renvoie une 401, c'est la clé ou le format ?",
            True,
            "secret",
        ),
        # confidential_term
        (
            "Résume en cinq puces le compte rendu du comité de pilotage Project Nightjar : six "
            "semaines de retard, budget revu à la hausse, nouveau sponsor côté métier.",
            True,
            "confidential_term",
        ),
        (
            "Rédige un mail à l'équipe : la démo d'Orion-7 chez le client est repoussée à "
            "lundi prochain.",
            True,
            "confidential_term",
        ),
        (
            "On prépare un partenariat avec Fabrikam Health. Quels points juridiques vérifier "
            "avant de signer la lettre d'intention ?",
            True,
            "confidential_term",
        ),
        (
            "traduis en anglais le titre de la slide 'Project bluefin - jalons 2025' stp",
            True,
            "confidential_term",
        ),
        (
            "Peux-tu écrire une réponse neutre au journaliste qui demande si nous travaillons "
            "avec Contoso Pharma ? Nous ne faisons aucun commentaire.",
            True,
            "confidential_term",
        ),
        (
            "Fais-moi un ordre du jour pour la rencontre de mardi sur ORION-7, on a 45 minutes "
            "en tout.",
            True,
            "confidential_term",
        ),
        # public_person
        (
            "Emmanuel Macron a été élu président en quelle année, la première fois ?",
            False,
            "public_person",
        ),
        ("Résume la carrière de Zinédine Zidane en trois phrases.", False, "public_person"),
        ("Pourquoi Marie Curie a-t-elle reçu deux prix Nobel ?", False, "public_person"),
        ("Quels sont les romans les plus connus de Victor Hugo ?", False, "public_person"),
        ("De quoi est mort Molière, d'après les historiens ?", False, "public_person"),
        (
            "Qui était René Lévesque et quel rôle a-t-il joué lors du référendum de 1980?",
            False,
            "public_person",
        ),
        ("Combien de Tours de France Eddy Merckx a-t-il gagnés ?", False, "public_person"),
        (
            "Explique simplement les idées principales de Simone de Beauvoir dans Le Deuxième "
            "Sexe.",
            False,
            "public_person",
        ),
        (
            "Is it true que Jacques Chirac a été maire de Paris pendant 18 ans ? Réponds en "
            "français.",
            False,
            "public_person",
        ),
        (
            "Quel âge avait Édith Piaf quand elle a chanté « La Vie en rose » pour la première "
            "fois ?",
            False,
            "public_person",
        ),
        # general_task
        ("Donne-moi une recette de quiche lorraine pour 6 personnes.", False, "general_task"),
        (
            "Traduis en anglais : « Nous avons bien reçu votre demande et reviendrons vers "
            "vous sous 48 heures. »",
            False,
            "general_task",
        ),
        (
            "Écris un petit discours pour le pot de départ d'un collègue, ton chaleureux, deux "
            "minutes maximum.",
            False,
            "general_task",
        ),
        ("Propose 10 noms pour une association de jardin partagé.", False, "general_task"),
        (
            "Comment faire un tableau croisé dynamique dans Excel pour additionner les ventes "
            "par mois ?",
            False,
            "general_task",
        ),
        (
            "Écris une fonction JavaScript qui renvoie les doublons d'un tableau.",
            False,
            "general_task",
        ),
        (
            "Corrige les fautes stp : 'je voulais te dire que j'ai bien recu ton message et "
            "que je serais la demain vers 10h'",
            False,
            "general_task",
        ),
        (
            "Que faire à la maison avec des enfants de 4 et 7 ans un dimanche pluvieux ?",
            False,
            "general_task",
        ),
        (
            "Explique-moi la différence entre « a » et « à » avec des exemples simples.",
            False,
            "general_task",
        ),
        (
            "Écris-moi un petit texte pour la page Facebook de notre cabane à sucre, ton "
            "festif, c'est pour l'ouverture de la saison.",
            False,
            "general_task",
        ),
        (
            "Fais-moi un planning de révision pour le bac de philo sur trois semaines.",
            False,
            "general_task",
        ),
        (
            "Can you make this more formal? « Salut tout le monde, la réunion de demain est "
            "annulée, on se cale un autre créneau. »",
            False,
            "general_task",
        ),
        (
            "Rédige une annonce pour vendre un vélo de ville d'occasion, bon état, 150 €.",
            False,
            "general_task",
        ),
        # lookalike
        (
            "Quels sont les effets secondaires fréquents du Levothyrox et faut-il le prendre à "
            "jeun ?",
            False,
            "lookalike",
        ),
        (
            "Quelle est la durée maximale d'une période d'essai pour un cadre en CDI en France ?",
            False,
            "lookalike",
        ),
        (
            "Comment fonctionne un prêt immobilier à taux fixe : amortissement, intérêts, "
            "assurance emprunteur ?",
            False,
            "lookalike",
        ),
        (
            "Question d'examen : un patient de 60 ans présente une dyspnée d'effort et des "
            "œdèmes des membres inférieurs. Quels examens demander en première intention ?",
            False,
            "lookalike",
        ),
        (
            "Comment est construit le numéro de sécurité sociale français et à quoi sert la "
            "clé à la fin ?",
            False,
            "lookalike",
        ),
        (
            "Dans nos tests unitaires on utilise le NIR 1 85 05 75 123 456 00 et le validateur "
            "le rejette. Pourquoi ?",
            False,
            "lookalike",
        ),
        (
            "L'IBAN FR76 1234 5678 9012 3456 7890 123 qui est dans la doc, il est valide ou "
            "c'est juste un exemple ?",
            False,
            "lookalike",
        ),
        (
            "Ma commande n° 2024-118734 n'est toujours pas arrivée, rédige un message poli au "
            "service client.",
            False,
            "lookalike",
        ),
        (
            "Facture F-2025-0042 du 28/02/2025 : combien de temps dois-je la garder en tant "
            "qu'auto-entrepreneur ?",
            False,
            "lookalike",
        ),
        (
            "Dans le modèle de contrat, remplace [NOM], [ADRESSE] et [NUMÉRO DE SÉCU] par des "
            "champs de formulaire.",
            False,
            "lookalike",
        ),
        (
            "C'est quoi une saisie sur salaire et comment marche le barème des sommes "
            "saisissables ?",
            False,
            "lookalike",
        ),
        (
            "Comment fonctionne le fichage FICP et combien de temps est-ce qu'on y reste ?",
            False,
            "lookalike",
        ),
        (
            "Pour une formation, j'ai besoin d'adresses mail fictives du genre "
            "prenom.nom@example.com. Ça convient pour un faux formulaire ?",
            False,
            "lookalike",
        ),
        (
            "Quelle est la différence médicale entre un burn-out et une dépression ?",
            False,
            "lookalike",
        ),
        (
            "Mon employeur a-t-il le droit de connaître le motif de mon arrêt maladie ?",
            False,
            "lookalike",
        ),
        ("Le 14/07/2025, ça tombe quel jour de la semaine ?", False, "lookalike"),
        (
            "Écris une regex qui vérifie qu'un mot de passe fait au moins 12 caractères avec "
            "un chiffre et un caractère spécial.",
            False,
            "lookalike",
        ),
        (
            "Le numéro de TVA FR00123456789 dans le modèle de facture, c'est un vrai numéro ?",
            False,
            "lookalike",
        ),
        # places_dates_companies
        (
            "Quel est le meilleur moyen d'aller de Lyon à Genève en train ?",
            False,
            "places_dates_companies",
        ),
        ("Quand tombe Pâques en 2027 ?", False, "places_dates_companies"),
        (
            "Que fait exactement Dassault Systèmes et où est son siège ?",
            False,
            "places_dates_companies",
        ),
        (
            "Organise-moi un week-end de trois jours à Bruxelles et Gand en octobre.",
            False,
            "places_dates_companies",
        ),
        ("Combien d'habitants compte Montréal?", False, "places_dates_companies"),
        (
            "Quelles sont les plus grandes banques françaises par total de bilan ?",
            False,
            "places_dates_companies",
        ),
        (
            "À quel moment de l'année L'Oréal publie-t-il ses résultats annuels ?",
            False,
            "places_dates_companies",
        ),
        ("Quelle est la différence entre une SARL et une SAS ?", False, "places_dates_companies"),
        ("Qu'est-ce qui reste ouvert à Paris le 1er mai ?", False, "places_dates_companies"),
        ("Quelle est la capitale de la Wallonie ?", False, "places_dates_companies"),
    ],
}

COMPLEXITY: dict[str, list[tuple[str, bool, str]]] = {
    "de": [
        # math_proof
        ("Warum ist das Halteproblem unentscheidbar? Beweis bitte.", True, "math_proof"),
        ("Beweise, dass es unendlich viele Primzahlen der Form 4k+3 gibt.", True, "math_proof"),
        (
            "Zeige mit vollständiger Induktion, dass 3^n - 1 für alle natürlichen Zahlen n "
            "durch 2 teilbar ist, und verallgemeinere die Aussage auf a^n - 1 und a - 1.",
            True,
            "math_proof",
        ),
        (
            "Sei G eine endliche Gruppe und H eine Untergruppe vom Index 2. Beweise, dass H "
            "ein Normalteiler ist.",
            True,
            "math_proof",
        ),
        # reasoning
        (
            "Wir müssen eine Rufbereitschaft für 4 Wochen planen, 6 Leute, pro Woche 2 "
            "Personen. Niemand darf zwei Wochen hintereinander dran sein, Lena kann in KW 2 "
            "und 3 nicht, Jonas und Mia wollen nie zusammen eingeteilt werden und jeder soll "
            "mindestens einmal dran sein. Finde einen gültigen Plan und begründe, ob es "
            "mehrere Lösungen gibt.",
            True,
            "reasoning",
        ),
        (
            "Ein Zug fährt um 8:00 von Hamburg nach München los (im Schnitt 90 km/h), ein "
            "zweiter um 9:30 in die Gegenrichtung (120 km/h), die Strecke ist 780 km lang. "
            "Wann und wo begegnen sie sich? Rechne Schritt für Schritt und prüf das Ergebnis "
            "am Ende.",
            True,
            "reasoning",
        ),
        (
            "Alle Gärtner sind Frühaufsteher, einige Frühaufsteher sind Bäcker. Folgt daraus, "
            "dass einige Gärtner Bäcker sind? Begründe formal.",
            True,
            "reasoning",
        ),
        # code_write
        (
            "Schreib mir in Python einen LRU-Cache mit TTL pro Eintrag, thread-sicher, ohne "
            "functools, und dazu Tests mit pytest.",
            True,
            "code_write",
        ),
        (
            "Implementiere in TypeScript einen Parser für arithmetische Ausdrücke mit "
            "Klammern, Operatorrangfolge und unärem Minus, inklusive Fehlermeldungen mit "
            "Position.",
            True,
            "code_write",
        ),
        (
            "Ich brauch ein Bash-Skript, das jede Nacht unsere Postgres-DB sichert, die "
            "Backups 14 Tage rotiert, sie verschlüsselt auf einen S3-kompatiblen Speicher "
            "hochlädt und bei Fehlern eine Mail schickt.",
            True,
            "code_write",
        ),
        # code_debug
        ("Mein Quicksort terminiert nicht, sobald Duplikate drin sind. Warum?", True, "code_debug"),
        (
            "Mein Go-Programm hängt, sobald es mehr als ein paar URLs sind:\n```go\nresults := "
            "make(chan int)\nvar wg sync.WaitGroup\nfor _, u := range urls {\n    wg.Add(1)\n  "
            "  go func(u string) { defer wg.Done(); results <- fetch(u) }(u)\n}\nwg.Wait()\n"
            "for r := range results { sum += r }\n```\nWarum und wie behebe ich das richtig?",
            True,
            "code_debug",
        ),
        (
            "Warum liefert diese Funktion beim zweiten Aufruf andere Ergebnisse? def "
            "mittelwert(werte=[]): werte.append(0); return sum(werte) / len(werte). Erklär den "
            "Fehler und schreib sie korrekt.",
            True,
            "code_debug",
        ),
        (
            "Unsere React-App rendert nach jedem Tastendruck die ganze Liste neu und hängt ab "
            "5000 Einträgen. Der useEffect hängt von einem Objekt ab, das bei jedem Render neu "
            "erzeugt wird. Finde die Ursache und schlag eine saubere Lösung vor.",
            True,
            "code_debug",
        ),
        # system_design
        (
            "Entwirf die Architektur für ein Online-Terminbuchungssystem für 200 Arztpraxen: "
            "Terminvergabe, SMS-Erinnerungen, DSGVO-konforme Speicherung und "
            "Ausfallsicherheit. Erklär die Trade-offs zwischen Multi-Tenant und Single-Tenant.",
            True,
            "system_design",
        ),
        (
            "Wie würdest du einen Rate-Limiter für eine API bauen, die auf 20 Instanzen läuft? "
            "Vergleich Token Bucket mit Sliding Window und begründe die Wahl des Speichers.",
            True,
            "system_design",
        ),
        (
            "Skizziere ein Event-Sourcing-Design für die Lagerverwaltung eines Onlinehändlers "
            "mit drei Lagern, inklusive Umgang mit Überverkäufen.",
            True,
            "system_design",
        ),
        # long_writing
        (
            "Schreib einen ausführlichen Leitfaden (ca. 2000 Wörter) für neue Teamleiter in "
            "einem mittelständischen Unternehmen: die ersten 90 Tage, Feedbackkultur, Umgang "
            "mit Konflikten und Delegation, jeweils mit Beispielen und Checklisten.",
            True,
            "long_writing",
        ),
        (
            "Verfasse eine Kurzgeschichte von etwa 3000 Wörtern, die in einem Bergdorf in "
            "Tirol spielt, aus drei Perspektiven erzählt, die sich am Ende auflösen.",
            True,
            "long_writing",
        ),
        # domain_analysis
        (
            "Ist ein nachvertragliches Wettbewerbsverbot von 24 Monaten ohne "
            "Karenzentschädigung für einen Vertriebsleiter in Deutschland wirksam? Analysiere "
            "das mit Bezug auf §§ 74 ff. HGB und die Rechtsprechung des BAG.",
            True,
            "domain_analysis",
        ),
        (
            "Bewerte die Studienlage zur Vitamin-D-Gabe bei älteren Menschen zur "
            "Sturzprävention: Welche RCTs und Metaanalysen gibt es und wie belastbar sind die "
            "Ergebnisse?",
            True,
            "domain_analysis",
        ),
        (
            "Wir überlegen, unsere GmbH unter eine Holding zu hängen. Erklär die steuerlichen "
            "Vor- und Nachteile in Deutschland (§ 8b KStG, Gewerbesteuer, Schachtelprivileg) "
            "und rechne ein Beispiel mit 500.000 € Ausschüttung durch.",
            True,
            "domain_analysis",
        ),
        # chitchat
        ("Hallo! Wie geht's dir heute?", False, "chitchat"),
        ("Danke, das hat mir echt weitergeholfen 😊", False, "chitchat"),
        ("Grüezi, bisch du en Chatbot oder en Mensch?", False, "chitchat"),
        ("Was wäre dein Lieblingsessen, wenn du eins hättest?", False, "chitchat"),
        # factual
        ("Wie hoch ist die Zugspitze?", False, "factual"),
        ("Wann ist der Tag der Deutschen Einheit?", False, "factual"),
        ("Was ist die Landeshauptstadt von Kärnten?", False, "factual"),
        ("Wie viele Milliliter hat ein Esslöffel ungefähr?", False, "factual"),
        # transform
        ("Übersetze ins Französische: 'Die Lieferung kommt morgen.'", False, "transform"),
        (
            "Bring diese Liste in alphabetische Reihenfolge: Birne, Apfel, Zitrone, Kiwi, Mango",
            False,
            "transform",
        ),
        (
            "Mach aus folgendem Text eine Stichpunktliste, ohne etwas wegzulassen: 'Liebe "
            "Kolleginnen und Kollegen, ab nächster Woche gelten neue Regeln für die Küche im "
            "3. Stock. Bitte stellt benutztes Geschirr direkt in die Spülmaschine und nicht in "
            "die Spüle. Der Kühlschrank wird jeden Freitag um 15 Uhr geleert, beschriftet eure "
            "Sachen also mit Namen und Datum. Kaffeebohnen füllt das Büroteam nach, Milch "
            "bitte selbst mitbringen. Wer die Spülmaschine ausräumt, darf sich einen Keks aus "
            "der Dose nehmen. Danke euch!'",
            False,
            "transform",
        ),
        (
            "Korrigier bitte die Rechtschreibung: 'Wir haben das Packet gestern abgeschikt und "
            "hoffen das es rechtzeitig ankommt.'",
            False,
            "transform",
        ),
        # extract_classify
        (
            "Ist diese Bewertung positiv oder negativ? 'Lieferung kam zwei Tage zu spät, aber "
            "das Sofa ist wunderschön.'",
            False,
            "extract_classify",
        ),
        (
            "Zieh aus dieser Mail alle Termine raus und gib sie als Liste zurück: 'Hallo Team, "
            "kurzer Überblick für den Mai: Am 6. Mai ist das Quartalsmeeting um 10 Uhr im "
            "großen Besprechungsraum. Am 13. Mai kommt der Kunde aus Wien zur Abnahme, bitte "
            "haltet den Nachmittag frei. Die Sommerfeier ist für den 23. Mai geplant, Start um "
            "17 Uhr im Biergarten. Und nicht vergessen: Am 29. Mai ist Feiertag, das Büro "
            "bleibt geschlossen. Viele Grüße aus der Teamassistenz'",
            False,
            "extract_classify",
        ),
        (
            "Ordne diese Tickets den Kategorien Rechnung, Technik oder Sonstiges zu: 1) "
            "'Passwort vergessen', 2) 'Doppelte Abbuchung im März', 3) 'Wie sind eure "
            "Öffnungszeiten?'",
            False,
            "extract_classify",
        ),
        (
            "In welcher Sprache ist dieser Satz geschrieben: 'Ik heb vandaag geen tijd'?",
            False,
            "extract_classify",
        ),
        # simple_code
        ("Wie drehe ich in Python einen String um?", False, "simple_code"),
        ("Schreib eine SQL-Abfrage, die alle Kunden aus Berlin anzeigt.", False, "simple_code"),
        ("Wie gebe ich in JavaScript 'Hallo Welt' in der Konsole aus?", False, "simple_code"),
        ("Python: Wie prüfe ich, ob eine Zahl gerade ist?", False, "simple_code"),
    ],
    "fr": [
        # math_proof
        ("Démontre que toute matrice symétrique réelle est diagonalisable.", True, "math_proof"),
        ("Montre que la somme des inverses des nombres premiers diverge.", True, "math_proof"),
        (
            "Prouve par récurrence que pour tout n ≥ 1, 1³ + 2³ + … + n³ = (n(n+1)/2)².",
            True,
            "math_proof",
        ),
        (
            "Soit (u_n) la suite définie par u_0 = 0 et u_{n+1} = √(2 + u_n). Montre qu'elle "
            "converge et détermine sa limite.",
            True,
            "math_proof",
        ),
        # reasoning
        (
            "Dans une équipe de 5 personnes, il faut organiser les astreintes du week-end sur "
            "6 semaines : chacun au moins une fois, personne deux week-ends d'affilée, Paul et "
            "Inès jamais ensemble, et Chloé absente les semaines 2 et 5. Il faut 2 personnes "
            "par week-end. Propose un planning valide et explique ta démarche.",
            True,
            "reasoning",
        ),
        (
            "Un escargot grimpe un mur de 10 m : il monte de 3 m le jour et redescend de 2 m "
            "la nuit. En combien de jours atteint-il le sommet ? Explique pourquoi la réponse "
            "naïve est fausse.",
            True,
            "reasoning",
        ),
        (
            "Tu as 12 pièces dont une fausse, plus lourde ou plus légère, et une balance à "
            "deux plateaux. Comment la trouver en trois pesées et savoir si elle est plus "
            "lourde ou plus légère ?",
            True,
            "reasoning",
        ),
        # code_write
        (
            "Écris en Python un ordonnanceur de tâches avec dépendances (tri topologique), "
            "détection de cycles et exécution parallèle limitée à N workers, avec des tests.",
            True,
            "code_write",
        ),
        (
            "Code-moi en Rust un petit serveur HTTP avec une API CRUD pour des notes, "
            "persistance SQLite et une gestion d'erreurs propre.",
            True,
            "code_write",
        ),
        (
            "J'ai besoin d'une macro VBA qui parcourt tous les fichiers Excel d'un dossier, "
            "consolide l'onglet 'Ventes' dans un seul classeur, supprime les doublons et "
            "génère un graphique par région.",
            True,
            "code_write",
        ),
        # code_debug
        (
            "Mon code Python plante avec 'RecursionError: maximum recursion depth exceeded' "
            "sur les grandes listes : def somme(l): return 0 if not l else l[0] + "
            "somme(l[1:]). Explique pourquoi, analyse la complexité et réécris-le proprement.",
            True,
            "code_debug",
        ),
        (
            "Ma requête renvoie des totaux doublés depuis que j'ai ajouté un JOIN sur la table "
            "paiements : SELECT c.id, SUM(f.montant) FROM clients c JOIN factures f ON "
            "f.client_id = c.id JOIN paiements p ON p.client_id = c.id GROUP BY c.id; "
            "Pourquoi, et comment corriger ?",
            True,
            "code_debug",
        ),
        (
            "Mon appli Node.js fuit : au bout de 6 heures elle dépasse 2 Go de RAM. J'ai un "
            "cache dans un objet global et j'ajoute des listeners à chaque requête. Aide-moi à "
            "diagnostiquer et à corriger.",
            True,
            "code_debug",
        ),
        # system_design
        ("Conçois un raccourcisseur d'URL à l'échelle mondiale.", True, "system_design"),
        (
            "Conçois l'architecture d'un service de vélos en libre-service pour une ville de "
            "500 000 habitants : bornes connectées, appli mobile, paiement, maintenance "
            "prédictive et haute disponibilité.",
            True,
            "system_design",
        ),
        (
            "Comment concevoir un système de notifications push capable d'envoyer 10 millions "
            "de messages en moins de 5 minutes, avec préférences utilisateur et réessais ?",
            True,
            "system_design",
        ),
        (
            "Propose une architecture pour synchroniser hors ligne une appli de techniciens "
            "terrain sans réseau avec le back-office, en gérant les conflits d'édition.",
            True,
            "system_design",
        ),
        # long_writing
        (
            "Rédige un guide complet d'environ 2 500 mots pour une PME qui passe au "
            "télétravail hybride : charte, outils, sécurité, management et indicateurs, avec "
            "des exemples concrets.",
            True,
            "long_writing",
        ),
        (
            "Écris une nouvelle d'environ 3 000 mots qui se passe à Québec pendant la crise du "
            "verglas de 1998, racontée par trois voisins, avec une chute inattendue.",
            True,
            "long_writing",
        ),
        # domain_analysis
        (
            "Analyse la validité d'une clause de non-concurrence de deux ans sans contrepartie "
            "financière pour un commercial en France, au regard de la jurisprudence de la Cour "
            "de cassation.",
            True,
            "domain_analysis",
        ),
        (
            "Compare micro-entreprise et SASU pour un consultant à 85 000 € de chiffre "
            "d'affaires : cotisations sociales, IR ou IS, dividendes, protection sociale, avec "
            "un chiffrage détaillé.",
            True,
            "domain_analysis",
        ),
        (
            "Évalue les données actuelles sur les anti-amyloïdes (lécanémab, donanémab) dans "
            "la maladie d'Alzheimer débutante : bénéfice clinique, ARIA, coûts et position de "
            "la HAS.",
            True,
            "domain_analysis",
        ),
        # chitchat
        ("Salut ! Ça va ?", False, "chitchat"),
        ("Merci beaucoup, c'est parfait 🙂", False, "chitchat"),
        ("T'es un robot ou quoi ?", False, "chitchat"),
        ("Allô, tu comprends-tu le québécois toi?", False, "chitchat"),
        # factual
        ("Quelle est la hauteur du mont Blanc ?", False, "factual"),
        ("La Bastille a été prise en quelle année ?", False, "factual"),
        ("Quelle est la capitale du Luxembourg ?", False, "factual"),
        ("Combien de grammes dans une livre ?", False, "factual"),
        # transform
        ("Traduis en allemand : « Le train a dix minutes de retard. »", False, "transform"),
        (
            "Mets ces mots dans l'ordre alphabétique : poire, abricot, kiwi, banane, cerise",
            False,
            "transform",
        ),
        (
            "Transforme ce message en liste à puces sans rien enlever : « Bonjour à tous, "
            "petit rappel pour la salle de pause du 2e étage : merci de laver vos tasses après "
            "usage, de ne pas laisser de nourriture dans le frigo après le vendredi 16 h, de "
            "remettre de l'eau dans la machine à café quand elle est vide et de signaler toute "
            "panne à l'accueil plutôt que de bricoler vous-mêmes. La salle sera fermée le "
            "mardi 12 pour nettoyage. Merci pour votre aide et bonne semaine ! »",
            False,
            "transform",
        ),
        (
            "Corrige : « Je vous est envoyer le dossier hier, vous l'avez recu ? »",
            False,
            "transform",
        ),
        # extract_classify
        (
            "Ce commentaire est-il positif ou négatif ? « Service lent, mais les plats étaient "
            "délicieux. »",
            False,
            "extract_classify",
        ),
        (
            "Extrais toutes les dates de ce message et donne-les sous forme de liste : « "
            "Bonjour à tous, voici le programme de juin. Le 3 juin, réunion de lancement à 9 h "
            "en salle Rhône. Le 10 juin, visite du client belge, merci de bloquer "
            "l'après-midi. La fête d'été est prévue le 20 juin à partir de 18 h sur la "
            "terrasse. Attention, le 24 juin le bâtiment sera fermé pour des travaux "
            "électriques. Bonne fin de semaine, l'assistante d'équipe »",
            False,
            "extract_classify",
        ),
        (
            "Classe ces demandes en facturation, technique ou autre : 1) « Je n'arrive plus à "
            "me connecter », 2) « J'ai été prélevé deux fois », 3) « Vous êtes ouverts le "
            "samedi ? »",
            False,
            "extract_classify",
        ),
        ("C'est quelle langue : « Obrigado pela ajuda » ?", False, "extract_classify"),
        # simple_code
        ("Comment inverser une liste en Python ?", False, "simple_code"),
        ("Écris une requête SQL qui compte les commandes par client.", False, "simple_code"),
        ("Comment afficher la date du jour en JavaScript ?", False, "simple_code"),
        ("Quelle formule Excel pour faire la moyenne de A1 à A10 ?", False, "simple_code"),
    ],
}
