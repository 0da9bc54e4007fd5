"""Regenerates docs/dishwasher-manual.pdf (4 pages) with fpdf2: a product manual whose answers
sit in tables and on known pages (error codes, programs), as people ask manuals about."""

from pathlib import Path

from fpdf import FPDF

PAGES: list[tuple[str, list[str], list[list[str]]]] = [
    ("Installing the AquaLine 600 dishwasher",
     ["Connect the inlet hose to a cold water tap with a 3/4 inch thread. The water pressure must be between "
      "0.5 and 10 bar. Fix the drain hose no higher than 90 centimetres above the floor.",
      "Before the first wash, fill the salt container with 1.5 kilograms of dishwasher salt."], []),
    ("Programs",
     ["Choose a program with the selector knob. The times below are for a full load."],
     [["Program", "Temperature", "Duration"],
      ["Intensive", "70 C", "165 min"],
      ["Eco", "50 C", "220 min"],
      ["Quick", "40 C", "30 min"],
      ["Glass", "45 C", "95 min"]]),
    ("Error codes",
     ["When a fault occurs, the display shows a code and the machine stops. Switch it off, check the "
      "cause below, then switch it on again.",
      "E01: the door is not closed properly; close it until it clicks.",
      "E09: the heating element has failed; call service.",
      "E15: water in the base tray; switch off and call service.",
      "E24: the drain is blocked. Clean the filter and check that the drain hose is not kinked.",
      "E30: the water supply is interrupted; open the tap fully."], []),
    ("Care and warranty",
     ["Clean the filter once a week under running water. Descale the machine every six months with "
      "a citric acid cleaner.",
      "The AquaLine 600 comes with a warranty of three years from the date of delivery. Keep the receipt; "
      "the warranty does not cover glass breakage or damage from limescale."], []),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("AquaLine 600 dishwasher manual")
    for title, paras, table in PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for p in paras:
            pdf.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        if table:
            with pdf.table() as t:
                for row in table:
                    r = t.row()
                    for cell in row:
                        r.cell(cell)
    pdf.output(str(Path(__file__).parent / "docs" / "dishwasher-manual.pdf"))


if __name__ == "__main__":
    main()
