using Microsoft.Data.Sqlite;
using Rampart.Core.Policy;

namespace Rampart.Store;

/// <summary>
/// The schema, as ordered migrations; schema_version records how many have run. Each runs in its own transaction.
/// Objects are kept as JSON bodies; the rules table repeats each rule's references so foreign keys (RESTRICT)
/// refuse to delete a filter list or action in use or an assigned policy, even if a bug skipped validation.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Action<SqliteConnection, SqliteTransaction>> All =
    [
        CreateSchemaWithBuiltIns,
    ];

    private static void CreateSchemaWithBuiltIns(SqliteConnection connection, SqliteTransaction transaction)
    {
        SqlitePolicyStore.Execute(connection, transaction, """
            CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);
            INSERT INTO meta (id, generation) VALUES (1, 0);
            CREATE TABLE filter_lists (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, body TEXT NOT NULL);
            CREATE TABLE filter_actions (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, body TEXT NOT NULL);
            CREATE TABLE policies (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, body TEXT NOT NULL);
            CREATE TABLE rules (
                policy TEXT NOT NULL COLLATE NOCASE REFERENCES policies (name) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                filter_list TEXT NOT NULL COLLATE NOCASE REFERENCES filter_lists (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
                filter_action TEXT NOT NULL COLLATE NOCASE REFERENCES filter_actions (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
                PRIMARY KEY (policy, position));
            CREATE TABLE assignment (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                policy TEXT COLLATE NOCASE REFERENCES policies (name) ON DELETE RESTRICT ON UPDATE RESTRICT);
            INSERT INTO assignment (id, policy) VALUES (1, NULL);
            """);
        SqlitePolicyStore.WriteDifference(connection, transaction, PolicySnapshot.Empty, BuiltInPolicies.Snapshot);
    }
}
