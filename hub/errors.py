"""The hub's errors: one root, each error carrying the data that explains it.

    HubError
    ├── ConfigError            a setting is missing or contradicts another
    ├── BrokerError            the Kafka side failed
    │   └── LocalBrokerError   deploy/kafka/broker could not start the local broker
    ├── StoreError             the database failed
    │   ├── StoreUnavailable   cannot connect (transient: retry, never dead-letter)
    │   ├── StoreRefused       a value or constraint no retry cures (the worker isolates it)
    │   │   └── StoreConflict  the write breaks a constraint: a key stored already
    │   ├── StoreFailed        the worker's store process stopped on a bug or died
    │   └── MigrationError     the schema could not be brought to the current revision
    ├── ListError              a sanction-list request cannot be carried out
    │   ├── UnknownEntry       no entry has this id
    │   ├── UnknownTask        no open operator task has this id
    │   ├── IllegalTransition  the entry's status cannot move there (hub.domain.lists)
    │   ├── ImportRefused      an import file has bad rows; nothing was written
    │   └── ObjectionError     an objection or a credit repair cannot be filed or decided
    │       ├── UnknownObjection   no objection (or repair application) has this id
    │       ├── ObjectionDecided   it is decided already
    │       └── ObjectionRefused   an option breaks a rule (`field`: the rule)
    ├── MembershipError        a member cannot be added, suspended, resumed or removed as asked
    │   ├── UnknownMember      no member has this id
    │   ├── ReservedMemberId   the id belongs to the hub (its broker user, its group prefix)
    │   └── StandingConflict   the member's standing does not allow it (resume a removed one)
    ├── ReviewError            a link withdrawal or a review decision cannot be carried out
    │   ├── ReviewDecided      the item is decided already (its cause may not be decided twice)
    │   ├── WrongReviewKind    the item is of another kind than the decision is for
    │   ├── NothingToWithdraw  no standing link assertion matches the withdrawal
    │   ├── UnknownReview      no review item has this id
    │   └── DecisionRefused    the decision's options break a rule (`field`: the rule)
    ├── PolicyError            a policy file is malformed; every problem is listed
    ├── TokenRefused           an API token cannot be issued (hub.api.tokens)
    ├── HubKeyRefused          a hub key cannot be published or revoked (hub.ledger.hub_keys)
    ├── ReportError            a monthly report cannot be changed or filed as asked
    │   ├── ReportFiled        the month is filed: its report and texts are frozen
    │   └── UnknownSection     no narrative section of the report has this name
    └── ApiError               a request the API refuses (hub.api.errors: 401, 403, 404, 409, …)

Third-party exceptions (KafkaError, SQLAlchemyError, alembic's) are translated into these at
the module that talks to the library, with `raise ... from exc`: the database's errors in
hub.store.errors, kafka-python's in hub.kafka.clients.
"""


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigError(HubError):
    """A setting is missing, malformed or inconsistent."""


class BrokerError(HubError):
    """The Kafka broker refused or failed a request."""


class LocalBrokerError(BrokerError):
    """The bundled local broker script failed; `detail` is its one-line explanation."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class StoreError(HubError):
    """The database failed."""


class StoreUnavailable(StoreError):
    """The database cannot be reached; callers retry with back-off."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"database {url} unavailable: {reason}")
        self.url = url
        self.reason = reason


class StoreRefused(StoreError):
    """The database refused a write for good: a value it cannot hold or a constraint it keeps.
    `reason` is the driver's error class; never the message, which may quote the values."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the store refused the write: {reason}")
        self.reason = reason


class StoreConflict(StoreRefused):
    """The write breaks a constraint the database keeps (unique, foreign or check)."""


class StoreFailed(StoreError):
    """The worker's store process stopped on a bug or died; the worker stops too."""


class MigrationError(StoreError):
    """The schema could not be migrated to the current revision."""


class ListError(HubError):
    """A sanction-list request cannot be carried out."""


class UnknownEntry(ListError):
    def __init__(self, entry_id: str) -> None:
        # The id came from a caller (a URL, a command line) and may be anything, even a
        # resident id typed in the wrong box: the text never repeats it.
        super().__init__("no list entry has this id")
        self.entry_id = entry_id


class UnknownTask(ListError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"no open operator task {task_id!r}")
        self.task_id = task_id


class IllegalTransition(ListError):
    """The lifecycle (hub.domain.lists.ALLOWED_TRANSITIONS) does not allow this move."""

    def __init__(self, entry_id: str, current: str, wanted: str, allowed: list[str]) -> None:
        allowed_text = ", ".join(allowed) or "none: the entry is closed"
        super().__init__(
            f"list entry {entry_id!r} is {current} and cannot become {wanted} "
            f"(allowed from {current}: {allowed_text})"
        )
        self.entry_id, self.current, self.wanted, self.allowed = entry_id, current, wanted, allowed


class ImportRefused(ListError):
    """The file has bad rows; `problems` holds (line, field, rule) for every one of them."""

    def __init__(self, path: str, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s); nothing was imported")
        self.path, self.problems = path, problems


class ObjectionError(ListError):
    """An objection or a credit-repair application (hub.lists.objections, .repair) cannot be
    filed or decided as asked."""


class UnknownObjection(ObjectionError):
    def __init__(self, kind: str = "objection") -> None:
        # The id is not repeated: it came from the caller.
        super().__init__(f"no {kind} has this id")
        self.kind = kind


class ObjectionDecided(ObjectionError):
    """The objection or application is no longer open."""

    def __init__(self, item_id: str, state: str) -> None:
        # Ids of objections and repairs are the hub's own, never a caller's value.
        super().__init__(f"{item_id} is {state}: it was decided already")
        self.item_id, self.state = item_id, state


class ObjectionRefused(ObjectionError, ValueError):
    """An option breaks a rule: `field` names the option, the message the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


class MembershipError(HubError):
    """A membership request (hub.membership) cannot be carried out; the message says why."""


class UnknownMember(MembershipError):
    def __init__(self) -> None:
        # The id is not repeated: it came from the caller, and may be anything it typed.
        super().__init__("no registered member has this id (see GET /members)")


class ReservedMemberId(MembershipError):
    def __init__(self) -> None:
        super().__init__(
            "member_id: this id is reserved for the hub (its broker user or group prefix)"
        )


class StandingConflict(MembershipError):
    """The member's standing (active, suspended, removed) does not allow the request."""


class TokenRefused(HubError, ValueError):
    """A token cannot be issued as asked: `field` names the option, the message the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


class ReviewError(HubError):
    """A decision on a review-queue item (hub.store.reviews) cannot be carried out."""


class ReviewDecided(ReviewError):
    """The item is no longer OPEN: decided already, or moot."""

    def __init__(self, review_id: str, state: str) -> None:
        # Review ids are the hub's own (a digest of the cause), never a caller's value.
        super().__init__(f"review {review_id} is {state}, not OPEN: it was decided already")
        self.review_id, self.state = review_id, state


class WrongReviewKind(ReviewError):
    """The item is of another kind (a BRIDGE item confirmed as a listing candidate)."""

    def __init__(self, review_id: str, kind: str, wanted: str) -> None:
        super().__init__(f"review {review_id} is a {kind} item, not a {wanted} item")
        self.review_id, self.kind, self.wanted = review_id, kind, wanted


class NothingToWithdraw(ReviewError):
    def __init__(self, member: str) -> None:
        # The member id is checked against the registry before this, so it may be named.
        super().__init__(f"no standing link assertion of {member} matches the withdrawal")


class UnknownReview(ReviewError):
    def __init__(self) -> None:
        super().__init__("no review item has this id (see GET /reviews)")


class DecisionRefused(ReviewError, ValueError):
    """A decision's option breaks a rule: `field` names the option, the message the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


class PolicyError(HubError):
    """A policy file is malformed; `problems` lists every fault, each naming its path."""

    def __init__(self, problems: list[str]) -> None:
        listing = "".join(f"\n  - {problem}" for problem in problems)
        super().__init__(f"invalid policy ({len(problems)} problem(s)):{listing}")
        self.problems = problems


class HubKeyRefused(HubError):
    """A hub key cannot be published or revoked as asked; the message names the rule."""


class ReportError(HubError):
    """A monthly report (hub.reports) cannot be changed or filed as asked."""


class ReportFiled(ReportError):
    """The month's report is filed: its figures and texts are frozen (hub.reports.filing)."""

    def __init__(self, month: str) -> None:
        super().__init__(f"the report for {month} is filed and can no longer change")
        self.month = month


class UnknownSection(ReportError):
    """No narrative section of the monthly report has this name; the message lists them."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(f"section: expected one of {', '.join(known)}")
        self.known = known
