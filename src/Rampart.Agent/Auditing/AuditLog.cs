using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rampart.Core.Auditing;
using Rampart.Core.Control;
using Rampart.Store;

namespace Rampart.Agent.Auditing;

/// <summary>
/// The durable audit trail (<c>RAMPART_HOME/audit.db</c>, mode 0600). <see cref="Write"/> only queues the event, so
/// the IKE loop never waits for the disk: a background writer commits everything queued in one transaction with
/// synchronous=FULL as soon as it can, <see cref="Query"/> commits what is queued before it reads, and
/// <see cref="Dispose"/> before it closes, so a normal stop loses nothing. A crash loses at most the events queued
/// since the last commit (normally the last few milliseconds; the Windows event log was not flushed per event either).
/// The oldest events are dropped once <see cref="AuditSettings.MaximumRecords"/> is exceeded (rotation). If the disk
/// cannot keep up, at most <see cref="QueueCapacity"/> events wait and further ones are dropped and counted
/// (<see cref="DroppedRecords"/>), so the IKE loop never blocks and memory stays bounded.
/// </summary>
public sealed class AuditLog : IDisposable
{
    private const string FileName = "audit.db";

    /// <summary>Events waiting for the disk at most (a few megabytes); past it new ones are dropped and counted.</summary>
    internal const int QueueCapacity = 4096;
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly BatchingWriter<PendingRecord> _writer;

    public AuditLog(string home, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        var path = Path.Combine(home, FileName);

        // SQLite opens these itself, following links; the state directory was checked at start-up (AgentOptions), so
        // only root could plant a link between this check and the open.
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            StateDirectory.RefuseNonRegularFile(home, file);
        }

        if (!File.Exists(path))
        {
            File.Create(path, 0, FileOptions.None).Dispose();
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                time TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                success INTEGER NOT NULL,
                summary TEXT NOT NULL,
                fields TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS events_time ON events(time);
            CREATE TABLE IF NOT EXISTS settings (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                audit_success INTEGER NOT NULL,
                audit_failure INTEGER NOT NULL,
                maximum_records INTEGER NOT NULL);
            INSERT OR IGNORE INTO settings VALUES (1, 1, 1, 100000);
            """);
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (File.Exists(path + suffix))
            {
                File.SetUnixFileMode(path + suffix, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        Settings = ReadSettings();
        _writer = new BatchingWriter<PendingRecord>("Audit writer", _gate, Commit, QueueCapacity);
    }

    public AuditSettings Settings { get; private set; }

    /// <summary>Events dropped since the start because <see cref="QueueCapacity"/> were waiting for the disk.</summary>
    public long DroppedRecords => _writer.Dropped;

    /// <summary>
    /// Queues an event for the background writer unless its kind (success or failure) is switched off. Returns whether
    /// it will be written (false too when the queue is full: the event is dropped and counted). The time is taken now;
    /// <paramref name="fields"/> must not change afterwards.
    /// </summary>
    public bool Write(AuditEventId eventId, bool success, string summary, IReadOnlyList<AuditField> fields)
    {
        var settings = Settings;
        if (success ? !settings.AuditSuccess : !settings.AuditFailure)
        {
            return false;
        }

        ObjectDisposedException.ThrowIf(_writer.IsDisposed, this);
        return _writer.TryAdd(new PendingRecord(_timeProvider.GetUtcNow(), eventId, success, summary, fields));
    }

    /// <summary>Commits every queued event now (the background writer does this on its own as events arrive).</summary>
    public void Flush() => _writer.Flush();

    public IReadOnlyList<AuditRecord> Query(DateTimeOffset? since = null, AuditEventId? eventId = null, int limit = 1000)
    {
        lock (_gate)
        {
            Flush();
            using var query = _connection.CreateCommand();
            query.CommandText = """
                SELECT sequence, time, event_id, success, summary, fields FROM (
                    SELECT * FROM events
                    WHERE ($since IS NULL OR time >= $since) AND ($id IS NULL OR event_id = $id)
                    ORDER BY sequence DESC LIMIT $limit)
                ORDER BY sequence
                """;
            query.Parameters.AddWithValue("$since", since is { } s ? s.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value);
            query.Parameters.AddWithValue("$id", eventId is { } id ? (int)id : DBNull.Value);
            query.Parameters.AddWithValue("$limit", limit);
            using var reader = query.ExecuteReader();
            var records = new List<AuditRecord>();
            while (reader.Read())
            {
                records.Add(new AuditRecord(
                    reader.GetInt64(0),
                    DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                    (AuditEventId)reader.GetInt32(2),
                    reader.GetInt32(3) != 0,
                    reader.GetString(4),
                    JsonSerializer.Deserialize<List<AuditField>>(reader.GetString(5), ControlJson.Options) ?? []));
            }

            return records;
        }
    }

    public void UpdateSettings(AuditSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaximumRecords, 1);
        lock (_gate)
        {
            using var update = _connection.CreateCommand();
            update.CommandText = "UPDATE settings SET audit_success = $s, audit_failure = $f, maximum_records = $m WHERE id = 1";
            update.Parameters.AddWithValue("$s", settings.AuditSuccess ? 1 : 0);
            update.Parameters.AddWithValue("$f", settings.AuditFailure ? 1 : 0);
            update.Parameters.AddWithValue("$m", settings.MaximumRecords);
            update.ExecuteNonQuery();
            Settings = settings;
        }
    }

    public void Dispose()
    {
        if (_writer.IsDisposed)
        {
            return;
        }

        _writer.Dispose();
        _connection.Dispose();
    }

    // Under _gate, with the batch taken off the queue (so writers never wait for the disk).
    private void Commit(List<PendingRecord> batch)
    {
        using var transaction = _connection.BeginTransaction();
        using (var insert = _connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO events (time, event_id, success, summary, fields) VALUES ($time, $id, $success, $summary, $fields)";
            var time = insert.Parameters.Add("$time", SqliteType.Text);
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var success = insert.Parameters.Add("$success", SqliteType.Integer);
            var summary = insert.Parameters.Add("$summary", SqliteType.Text);
            var fields = insert.Parameters.Add("$fields", SqliteType.Text);
            foreach (var record in batch)
            {
                time.Value = record.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
                id.Value = (int)record.EventId;
                success.Value = record.Success ? 1 : 0;
                summary.Value = record.Summary;
                fields.Value = JsonSerializer.Serialize(record.Fields, ControlJson.Options);
                insert.ExecuteNonQuery();
            }
        }

        using (var trim = _connection.CreateCommand())
        {
            trim.Transaction = transaction;
            trim.CommandText = "DELETE FROM events WHERE sequence <= (SELECT MAX(sequence) FROM events) - $max";
            trim.Parameters.AddWithValue("$max", Settings.MaximumRecords);
            trim.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private AuditSettings ReadSettings()
    {
        using var query = _connection.CreateCommand();
        query.CommandText = "SELECT audit_success, audit_failure, maximum_records FROM settings WHERE id = 1";
        using var reader = query.ExecuteReader();
        reader.Read();
        return new AuditSettings(reader.GetInt32(0) != 0, reader.GetInt32(1) != 0, reader.GetInt32(2));
    }

    private sealed record PendingRecord(DateTimeOffset Time, AuditEventId EventId, bool Success, string Summary, IReadOnlyList<AuditField> Fields);

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
