#include "daemon/store/sqlite_state_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_schema.h"

namespace kanarya::store {
namespace {

constexpr int kMaxListLimit = 1000;

constexpr char kSelectRollout[] = "SELECT rollout FROM rollouts WHERE name = ?1";
constexpr char kSelectEventSequence[] = "SELECT event_sequence FROM rollouts WHERE name = ?1";
constexpr char kSelectLastSequence[] = "SELECT seq FROM sqlite_sequence WHERE name = 'events'";
constexpr char kInsertEvent[] = "INSERT INTO events (sequence, rollout, event) VALUES (?1, ?2, ?3)";
constexpr char kInsertRollout[] =
    "INSERT INTO rollouts (name, namespace, virtual_service, route, revision, phase, attempt, "
    "create_time_micros, event_sequence, rollout) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr char kUpdateRollout[] =
    "UPDATE rollouts SET namespace = ?2, virtual_service = ?3, route = ?4, revision = ?5, "
    "phase = ?6, attempt = ?7, create_time_micros = ?8, event_sequence = ?9, rollout = ?10 "
    "WHERE name = ?1";
// The tick's number within its attempt is one more than the last one's.
constexpr char kInsertTick[] =
    "INSERT INTO ticks (rollout, attempt, seq, tick) "
    "SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, ?3 FROM ticks WHERE rollout = ?1 AND attempt = ?2";
constexpr char kSelectEvents[] =
    "SELECT sequence, event FROM events WHERE rollout = ?1 AND sequence > ?2 "
    "ORDER BY sequence LIMIT ?3";
constexpr char kSelectRecentEvents[] =
    "SELECT sequence, event FROM events WHERE rollout = ?1 ORDER BY sequence DESC LIMIT ?2";
constexpr char kSelectTicks[] =
    "SELECT seq, tick FROM ticks WHERE rollout = ?1 AND attempt = ?2 ORDER BY seq";

absl::Status Annotate(const absl::Status& status, absl::string_view operation) {
  return absl::Status(status.code(), absl::StrCat(operation, ": ", status.message()));
}

int64_t ToMicros(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1'000'000 + time.nanos() / 1'000;
}

// Reads a serialized message from a row; DataLoss naming `what` when the
// bytes do not parse.
template <typename Message>
absl::StatusOr<Message> ParseRow(absl::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("the stored ", what, " is corrupt: its ", bytes.size(),
                                            " bytes do not parse as ",
                                            Message::descriptor()->full_name()));
  }
  return message;
}

// A 64-bit set of the phases the filter accepts; 0 when any.
absl::StatusOr<int64_t> PhaseMask(const std::vector<v1::Phase>& phases) {
  uint64_t mask = 0;
  for (size_t i = 0; i < phases.size(); ++i) {
    if (!v1::Phase_IsValid(phases[i]) || phases[i] < 0 || phases[i] > 62) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter.phases[", i, "]: unknown phase ", static_cast<int>(phases[i])));
    }
    mask |= uint64_t{1} << phases[i];
  }
  return static_cast<int64_t>(mask);
}

// The query for `filter`: only the conditions it uses, so SQLite can pick
// the index. Parameters: ?1 after_name, ?2 namespace, ?3 virtual_service,
// ?4 revision, ?5 phase mask, ?6 limit.
std::string ListRolloutsSql(const RolloutFilter& filter) {
  std::string sql = "SELECT name, rollout FROM rollouts WHERE name > ?1";
  if (!filter.namespace_name.empty()) absl::StrAppend(&sql, " AND namespace = ?2");
  if (!filter.virtual_service.empty()) absl::StrAppend(&sql, " AND virtual_service = ?3");
  if (!filter.revision.empty()) absl::StrAppend(&sql, " AND revision = ?4");
  if (!filter.phases.empty()) absl::StrAppend(&sql, " AND ((?5 >> phase) & 1) = 1");
  absl::StrAppend(&sql, " ORDER BY name LIMIT ?6");
  return sql;
}

}  // namespace

absl::StatusOr<StateStorePtr> SqliteStateStore::Open(const std::string& data_dir,
                                                     const SqliteStateStoreOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("creating the data directory ", data_dir, ": ", error.message()));
  }
  const std::string path = (std::filesystem::path(data_dir) / kFileName).string();
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open(path, options.busy_timeout);
  if (!connection.ok()) return connection.status();
  // The journal mode is the first statement that reads the file: a file
  // that is not a database fails here.
  absl::Status status = (*connection)->Execute("PRAGMA journal_mode = WAL");
  if (status.ok()) {
    status = (*connection)
                 ->Execute(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL");
  }
  if (status.ok()) status = MigrateSchema(**connection);
  if (!status.ok()) return Annotate(status, absl::StrCat("opening the state store ", path));
  absl::StatusOr<std::unique_ptr<SqliteConnection>> reader =
      SqliteConnection::Open(path, options.busy_timeout);
  if (!reader.ok()) return reader.status();
  if (status = (*reader)->Execute("PRAGMA query_only = ON"); !status.ok()) {
    return Annotate(status, absl::StrCat("opening the state store ", path));
  }
  return StateStorePtr(new SqliteStateStore(*std::move(connection), *std::move(reader)));
}

absl::StatusOr<int64_t> SqliteStateStore::Commit(const Mutation& mutation, bool new_rollout) {
  const std::string& name = mutation.rollout.name();
  if (name.empty()) return absl::InvalidArgumentError("Commit: rollout.name: must not be empty");
  absl::MutexLock lock(&write_mutex_);
  absl::StatusOr<SqliteTransaction> transaction = SqliteTransaction::Begin(*writer_);
  absl::StatusOr<int64_t> sequence =
      transaction.ok() ? WriteLocked(mutation, new_rollout) : transaction.status();
  if (sequence.ok()) {
    if (absl::Status status = transaction->Commit(); !status.ok()) sequence = status;
  }
  if (!sequence.ok()) {
    return Annotate(sequence.status(),
                    absl::StrCat("Commit of rollout ", name, " to ", writer_->path()));
  }
  return sequence;
}

absl::StatusOr<std::vector<int64_t>> SqliteStateStore::CommitBatch(
    std::span<const Mutation> updates) {
  for (size_t i = 0; i < updates.size(); ++i) {
    if (updates[i].rollout.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("CommitBatch: updates[", i, "].rollout.name: must not be empty"));
    }
  }
  std::vector<int64_t> sequences;
  if (updates.empty()) return sequences;
  sequences.reserve(updates.size());
  absl::MutexLock lock(&write_mutex_);
  const auto failed = [&](const absl::Status& status, size_t i) {
    return Annotate(status,
                    absl::StrCat("CommitBatch of ", updates.size(), " updates to ", writer_->path(),
                                 ": updates[", i, "] (rollout ", updates[i].rollout.name(), ")"));
  };
  absl::StatusOr<SqliteTransaction> transaction = SqliteTransaction::Begin(*writer_);
  if (!transaction.ok()) return failed(transaction.status(), 0);
  for (size_t i = 0; i < updates.size(); ++i) {
    absl::StatusOr<int64_t> sequence = WriteLocked(updates[i], /*new_rollout=*/false);
    if (!sequence.ok()) return failed(sequence.status(), i);  // rolled back
    sequences.push_back(*sequence);
  }
  if (absl::Status status = transaction->Commit(); !status.ok()) {
    return Annotate(
        status, absl::StrCat("CommitBatch of ", updates.size(), " updates to ", writer_->path()));
  }
  return sequences;
}

absl::StatusOr<int64_t> SqliteStateStore::WriteLocked(const Mutation& mutation, bool new_rollout) {
  const v1::Rollout& rollout = mutation.rollout;
  // The rollout's newest event so far: kept when no event is appended.
  int64_t event_sequence = 0;
  if (!new_rollout) {
    absl::StatusOr<SqliteStatement*> select = writer_->Cached(kSelectEventSequence);
    if (!select.ok()) return select.status();
    ResetOnExit reset(**select);
    absl::Status status = (*select)->BindAll(rollout.name());
    absl::StatusOr<bool> row = status.ok() ? (*select)->Step() : status;
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError("no such rollout to update");
    event_sequence = (*select)->ColumnInt64(0);
  }

  if (!mutation.events.empty()) {
    int64_t last_sequence = 0;
    {
      absl::StatusOr<SqliteStatement*> select = writer_->Cached(kSelectLastSequence);
      if (!select.ok()) return select.status();
      ResetOnExit reset(**select);
      absl::StatusOr<bool> row = (*select)->Step();
      if (!row.ok()) return row.status();
      if (*row) last_sequence = (*select)->ColumnInt64(0);
    }
    absl::StatusOr<SqliteStatement*> insert = writer_->Cached(kInsertEvent);
    if (!insert.ok()) return insert.status();
    ResetOnExit reset(**insert);
    v1::RolloutEvent event;
    std::string bytes;
    for (const v1::RolloutEvent& original : mutation.events) {
      event = original;
      event.set_sequence(++last_sequence);
      event.set_rollout(rollout.name());
      bytes.clear();
      event.SerializeToString(&bytes);
      (*insert)->Reset();
      absl::Status status = (*insert)->BindAll(event.sequence(), rollout.name(), Blob{bytes});
      if (status.ok()) status = (*insert)->Run();
      if (!status.ok()) return status;
    }
    event_sequence = last_sequence;
  }

  {
    v1::Rollout stored = rollout;
    stored.mutable_status()->set_event_sequence(event_sequence);
    const std::string bytes = stored.SerializeAsString();
    const v1::RolloutTarget& target = rollout.spec().target();
    absl::StatusOr<SqliteStatement*> write =
        writer_->Cached(new_rollout ? kInsertRollout : kUpdateRollout);
    if (!write.ok()) return write.status();
    ResetOnExit reset(**write);
    absl::Status status = (*write)->BindAll(
        rollout.name(), target.namespace_(), target.virtual_service(), target.route(),
        rollout.spec().revision(), int64_t{rollout.status().phase()}, rollout.status().attempt(),
        ToMicros(rollout.create_time()), event_sequence, Blob{bytes});
    if (status.ok()) status = (*write)->Run();
    if (!status.ok()) {
      if ((*write)->last_error_code() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError("a rollout of this name exists already");
      }
      return status;
    }
  }

  std::vector<const v1::Tick*> ticks;
  ticks.reserve(mutation.history.size() + 1);
  for (const v1::Tick& tick : mutation.history) ticks.push_back(&tick);
  if (mutation.tick.has_value()) ticks.push_back(&*mutation.tick);
  for (const v1::Tick* tick : ticks) {
    const std::string bytes = tick->SerializeAsString();
    absl::StatusOr<SqliteStatement*> insert = writer_->Cached(kInsertTick);
    if (!insert.ok()) return insert.status();
    ResetOnExit reset(**insert);
    absl::Status status =
        (*insert)->BindAll(rollout.name(), rollout.status().attempt(), Blob{bytes});
    if (status.ok()) status = (*insert)->Run();
    if (!status.ok()) return status;
  }

  return event_sequence;
}

absl::StatusOr<v1::Rollout> SqliteStateStore::GetRollout(const std::string& name) {
  absl::MutexLock lock(&read_mutex_);
  absl::StatusOr<SqliteStatement*> select = reader_->Cached(kSelectRollout);
  if (!select.ok()) return Annotate(select.status(), absl::StrCat("GetRollout(", name, ")"));
  ResetOnExit reset(**select);
  absl::Status status = (*select)->BindAll(name);
  absl::StatusOr<bool> row = status.ok() ? (*select)->Step() : status;
  if (!row.ok()) return Annotate(row.status(), absl::StrCat("GetRollout(", name, ")"));
  if (!*row) return absl::NotFoundError(absl::StrCat("no rollout named ", name));
  return ParseRow<v1::Rollout>((*select)->ColumnBlob(0), absl::StrCat("rollout ", name));
}

absl::StatusOr<std::vector<v1::Rollout>> SqliteStateStore::ListRollouts(
    const RolloutFilter& filter) {
  absl::StatusOr<int64_t> phase_mask = PhaseMask(filter.phases);
  if (!phase_mask.ok()) return Annotate(phase_mask.status(), "ListRollouts");
  const int64_t limit = std::clamp(filter.limit, 1, kMaxListLimit);

  absl::MutexLock lock(&read_mutex_);
  absl::StatusOr<SqliteStatement*> select = reader_->Cached(ListRolloutsSql(filter));
  if (!select.ok()) return Annotate(select.status(), "ListRollouts");
  ResetOnExit reset(**select);
  absl::Status status =
      (*select)->BindAll(filter.after_name, filter.namespace_name, filter.virtual_service,
                         filter.revision, *phase_mask, limit);
  if (!status.ok()) return Annotate(status, "ListRollouts");
  std::vector<v1::Rollout> rollouts;
  for (;;) {
    absl::StatusOr<bool> row = (*select)->Step();
    if (!row.ok()) return Annotate(row.status(), "ListRollouts");
    if (!*row) break;
    absl::StatusOr<v1::Rollout> rollout = ParseRow<v1::Rollout>(
        (*select)->ColumnBlob(1), absl::StrCat("rollout ", (*select)->ColumnText(0)));
    if (!rollout.ok()) return rollout.status();
    rollouts.push_back(*std::move(rollout));
  }
  return rollouts;
}

absl::StatusOr<bool> SqliteStateStore::RolloutExists(const std::string& name) {
  absl::StatusOr<SqliteStatement*> select = reader_->Cached(kSelectEventSequence);
  if (!select.ok()) return select.status();
  ResetOnExit reset(**select);
  if (absl::Status status = (*select)->BindAll(name); !status.ok()) return status;
  return (*select)->Step();
}

absl::StatusOr<std::vector<v1::RolloutEvent>> SqliteStateStore::ListEvents(const std::string& name,
                                                                           int64_t after_sequence,
                                                                           int limit) {
  return SelectEvents(name, kSelectEvents, after_sequence, limit,
                      absl::StrCat("ListEvents(", name, ")"));
}

absl::StatusOr<std::vector<v1::RolloutEvent>> SqliteStateStore::ListRecentEvents(
    const std::string& name, int limit) {
  return SelectEvents(name, kSelectRecentEvents, std::nullopt, limit,
                      absl::StrCat("ListRecentEvents(", name, ")"));
}

absl::StatusOr<std::vector<v1::RolloutEvent>> SqliteStateStore::SelectEvents(
    const std::string& name, const char* sql, std::optional<int64_t> after_sequence, int limit,
    const std::string& operation) {
  const int64_t clamped = std::clamp(limit, 1, kMaxListLimit);
  absl::MutexLock lock(&read_mutex_);
  std::vector<v1::RolloutEvent> events;
  {
    absl::StatusOr<SqliteStatement*> select = reader_->Cached(sql);
    if (!select.ok()) return Annotate(select.status(), operation);
    ResetOnExit reset(**select);
    absl::Status status = after_sequence.has_value()
                              ? (*select)->BindAll(name, *after_sequence, clamped)
                              : (*select)->BindAll(name, clamped);
    if (!status.ok()) return Annotate(status, operation);
    for (;;) {
      absl::StatusOr<bool> row = (*select)->Step();
      if (!row.ok()) return Annotate(row.status(), operation);
      if (!*row) break;
      const int64_t sequence = (*select)->ColumnInt64(0);
      absl::StatusOr<v1::RolloutEvent> event = ParseRow<v1::RolloutEvent>(
          (*select)->ColumnBlob(1), absl::StrCat("event ", sequence, " of rollout ", name));
      if (!event.ok()) return event.status();
      event->set_sequence(sequence);
      events.push_back(*std::move(event));
    }
  }
  if (events.empty()) {
    absl::StatusOr<bool> exists = RolloutExists(name);
    if (!exists.ok()) return Annotate(exists.status(), operation);
    if (!*exists) return absl::NotFoundError(absl::StrCat("no rollout named ", name));
  }
  return events;
}

absl::StatusOr<std::vector<v1::Tick>> SqliteStateStore::ListTicks(const std::string& name,
                                                                  int32_t attempt) {
  const std::string operation = absl::StrCat("ListTicks(", name, ", attempt ", attempt, ")");
  absl::MutexLock lock(&read_mutex_);
  std::vector<v1::Tick> ticks;
  {
    absl::StatusOr<SqliteStatement*> select = reader_->Cached(kSelectTicks);
    if (!select.ok()) return Annotate(select.status(), operation);
    ResetOnExit reset(**select);
    absl::Status status = (*select)->BindAll(name, int64_t{attempt});
    if (!status.ok()) return Annotate(status, operation);
    for (;;) {
      absl::StatusOr<bool> row = (*select)->Step();
      if (!row.ok()) return Annotate(row.status(), operation);
      if (!*row) break;
      absl::StatusOr<v1::Tick> tick = ParseRow<v1::Tick>(
          (*select)->ColumnBlob(1), absl::StrCat("tick ", (*select)->ColumnInt64(0), " of attempt ",
                                                 attempt, " of rollout ", name));
      if (!tick.ok()) return tick.status();
      ticks.push_back(*std::move(tick));
    }
  }
  if (ticks.empty()) {
    absl::StatusOr<bool> exists = RolloutExists(name);
    if (!exists.ok()) return Annotate(exists.status(), operation);
    if (!*exists) return absl::NotFoundError(absl::StrCat("no rollout named ", name));
  }
  return ticks;
}

}  // namespace kanarya::store
