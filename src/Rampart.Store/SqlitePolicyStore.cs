using System.Runtime.Versioning;
using Microsoft.Data.Sqlite;
using Rampart.Core.Policy;

namespace Rampart.Store;

/// <summary>
/// The policy store in SQLite: WAL with synchronous=FULL, so a kill or power cut leaves either the old or the new
/// state; foreign keys on; one transaction per change; the directory must pass <see cref="StateDirectory"/>'s checks
/// and the database files are 0600 because pre-shared keys are stored in it.
/// </summary>
public sealed class SqlitePolicyStore : IPolicyStore
{
    private const UnixFileMode DatabaseFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly SqliteConnection _connection;

    private SqlitePolicyStore(SqliteConnection connection) => _connection = connection;

    public string DatabasePath => _connection.DataSource;

    /// <summary>Opens (creating and migrating if needed) the store in <see cref="StoreLocation.Home"/>.</summary>
    public static SqlitePolicyStore Open() => Open(StoreLocation.Home);

    public static SqlitePolicyStore Open(string home)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the policy store relies on Linux file modes");
        }

        string path;
        try
        {
            home = StateDirectory.Prepare(home);
            path = Path.Combine(home, StoreLocation.DatabaseFileName);

            // SQLite opens these itself, following links. Checking first is enough: the directory passed Prepare, so
            // only root can put a link there between this check and the open.
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                StateDirectory.RefuseNonRegularFile(home, file);
            }

            CreatePrivateFiles(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not UnsafeStateDirectoryException)
        {
            throw new IOException($"cannot create the policy store in {home} (set {StoreLocation.HomeVariable} to choose another directory): {e.Message}", e);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;");
            Migrate(connection);
            foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists))
            {
                File.SetUnixFileMode(file, DatabaseFileMode);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqlitePolicyStore(connection);
    }

    public int SchemaVersion => (int)(long)Scalar(_connection, null, "SELECT version FROM schema_version")!;

    public long ReadGeneration() => (long)Scalar(_connection, null, "SELECT generation FROM meta")!;

    public PolicySnapshot Load()
    {
        using var transaction = _connection.BeginTransaction(deferred: true);
        return Load(_connection, transaction);
    }

    public StoreUpdate Update(Func<PolicySnapshot, PolicyEdit> edit)
    {
        using var transaction = _connection.BeginTransaction();
        var before = Load(_connection, transaction);
        var result = edit(before);
        var errors = result.Errors.Count > 0 || result.Snapshot is null ? result.Errors : PolicyValidator.Validate(result.Snapshot);
        if (errors.Count > 0)
        {
            var unchanged = ReadGeneration(transaction);
            transaction.Rollback();
            return new StoreUpdate(false, "", errors, unchanged);
        }

        if (result.Snapshot == before)
        {
            // Nothing changed (e.g. assigning the assigned policy): keep the generation so the agent does not re-apply.
            return new StoreUpdate(true, result.Message, [], ReadGeneration(transaction));
        }

        WriteDifference(_connection, transaction, before, result.Snapshot!);
        Execute(_connection, transaction, "UPDATE meta SET generation = generation + 1");
        var generation = ReadGeneration(transaction);
        transaction.Commit();
        return new StoreUpdate(true, result.Message, [], generation);
    }

    /// <summary>Runs SQLite's own consistency check; "ok" when the file is sound.</summary>
    public string CheckIntegrity() => (string)Scalar(_connection, null, "PRAGMA integrity_check")!;

    public void Dispose() => _connection.Dispose();

    internal static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>Writes only what changed between two snapshots; foreign keys check every reference.</summary>
    internal static void WriteDifference(SqliteConnection connection, SqliteTransaction transaction, PolicySnapshot before, PolicySnapshot after)
    {
        if (before.AssignedPolicyName is not null && after.AssignedPolicyName is null)
        {
            Execute(connection, transaction, "UPDATE assignment SET policy = NULL");
        }

        foreach (var policy in before.Policies.Where(p => after.FindPolicy(p.Name) is null))
        {
            Execute(connection, transaction, "DELETE FROM policies WHERE name = $name", ("$name", policy.Name));
        }

        var changedPolicies = after.Policies.Where(p => !Equals(before.FindPolicy(p.Name), p)).ToList();
        foreach (var policy in changedPolicies)
        {
            Execute(connection, transaction, "DELETE FROM rules WHERE policy = $name", ("$name", policy.Name));
        }

        foreach (var list in before.FilterLists.Where(l => after.FindFilterList(l.Name) is null))
        {
            Execute(connection, transaction, "DELETE FROM filter_lists WHERE name = $name", ("$name", list.Name));
        }

        foreach (var action in before.FilterActions.Where(a => after.FindFilterAction(a.Name) is null))
        {
            Execute(connection, transaction, "DELETE FROM filter_actions WHERE name = $name", ("$name", action.Name));
        }

        foreach (var list in after.FilterLists.Where(l => !Equals(before.FindFilterList(l.Name), l)))
        {
            Upsert(connection, transaction, "filter_lists", list.Name, PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteFilterList(w, list), indented: false));
        }

        foreach (var action in after.FilterActions.Where(a => !Equals(before.FindFilterAction(a.Name), a)))
        {
            Upsert(connection, transaction, "filter_actions", action.Name, PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WriteFilterAction(w, action), indented: false));
        }

        foreach (var policy in changedPolicies)
        {
            Upsert(connection, transaction, "policies", policy.Name, PolicyJsonWriter.ToJson(w => PolicyJsonWriter.WritePolicy(w, policy, includeSecrets: true, assigned: null), indented: false));
            for (var i = 0; i < policy.Rules.Count; i++)
            {
                Execute(connection, transaction, "INSERT INTO rules (policy, position, filter_list, filter_action) VALUES ($policy, $position, $list, $action)",
                    ("$policy", policy.Name), ("$position", i), ("$list", policy.Rules[i].FilterListName), ("$action", policy.Rules[i].FilterActionName));
            }
        }

        if (after.AssignedPolicyName is not null && after.AssignedPolicyName != before.AssignedPolicyName)
        {
            Execute(connection, transaction, "UPDATE assignment SET policy = $name", ("$name", after.AssignedPolicyName));
        }
    }

    private static void Upsert(SqliteConnection connection, SqliteTransaction transaction, string table, string name, string body) =>
        Execute(connection, transaction, $"INSERT INTO {table} (name, body) VALUES ($name, $body) ON CONFLICT (name) DO UPDATE SET name = excluded.name, body = excluded.body",
            ("$name", name), ("$body", body));

    private static PolicySnapshot Load(SqliteConnection connection, SqliteTransaction transaction)
    {
        var lists = ReadBodies(connection, transaction, "filter_lists", body => PolicyJsonReader.TryReadFilterList(body, out var list, out var error) ? list : throw Corrupt(error));
        var actions = ReadBodies(connection, transaction, "filter_actions", body => PolicyJsonReader.TryReadFilterAction(body, out var action, out var error) ? action : throw Corrupt(error));
        var policies = ReadBodies(connection, transaction, "policies", body => PolicyJsonReader.TryReadPolicy(body, out var policy, out var error) ? policy : throw Corrupt(error));
        var assigned = Scalar(connection, transaction, "SELECT policy FROM assignment") as string;
        return new PolicySnapshot(policies, lists, actions, assigned);
    }

    private static EquatableList<T> ReadBodies<T>(SqliteConnection connection, SqliteTransaction transaction, string table, Func<string, T> read)
    {
        using var command = Command(connection, transaction, $"SELECT body FROM {table} ORDER BY rowid", []);
        using var reader = command.ExecuteReader();
        var items = new List<T>();
        while (reader.Read())
        {
            items.Add(read(reader.GetString(0)));
        }

        return items.ToEquatableList();
    }

    private static InvalidDataException Corrupt(string error) => new($"the policy store holds an unreadable object: {error}");

    private long ReadGeneration(SqliteTransaction transaction) => (long)Scalar(_connection, transaction, "SELECT generation FROM meta")!;

    private static void Migrate(SqliteConnection connection)
    {
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);");
        while (true)
        {
            using var transaction = connection.BeginTransaction();
            var version = (int)(long)Scalar(connection, transaction, "SELECT version FROM schema_version")!;
            if (version > Migrations.All.Count)
            {
                throw new InvalidDataException($"the policy store has schema version {version}, newer than this rampart ({Migrations.All.Count}); upgrade rampart");
            }

            if (version == Migrations.All.Count)
            {
                return;
            }

            Migrations.All[version](connection, transaction);
            Execute(connection, transaction, "UPDATE schema_version SET version = $version", ("$version", version + 1));
            transaction.Commit();
        }
    }

    [SupportedOSPlatform("linux")]
    private static void CreatePrivateFiles(string path)
    {
        if (!File.Exists(path))
        {
            // Created 0600 before SQLite touches it: SQLite gives the -wal and -shm files the database's mode.
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = DatabaseFileMode });
        }
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql, []);
        return command.ExecuteScalar();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
