"""The quiz score of one sitting of the app: right answers out of questions asked, per page and
in all. Nothing is saved; the score starts at zero each time the app opens."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class QuizScore:
    _per_page: dict[str, list[int]] = field(default_factory=dict)  # page -> [right, asked]

    def record(self, page: str, right: bool) -> None:
        tally = self._per_page.setdefault(page, [0, 0])
        tally[0] += int(right)
        tally[1] += 1

    def page(self, page: str) -> tuple[int, int]:
        """(right, asked) on one page."""
        right, asked = self._per_page.get(page, (0, 0))
        return right, asked

    def total(self) -> tuple[int, int]:
        """(right, asked) on every page together."""
        return sum(t[0] for t in self._per_page.values()), sum(t[1] for t in self._per_page.values())

    def describe(self, page: str) -> str:
        right, asked = self.page(page)
        all_right, all_asked = self.total()
        return f"Score: {right} / {asked} on this page · {all_right} / {all_asked} in all"
