using System.Net;
using System.Runtime.Versioning;
using Microsoft.Data.Sqlite;
using Rampart.Core.Policy;

namespace Rampart.Store.Tests;

public sealed class SqlitePolicyStoreTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "rampart-store-" + Guid.NewGuid().ToString("N"), "home");

    [Fact]
    public void FreshStore_HoldsTheBuiltInsWithNoneAssigned()
    {
        using var store = SqlitePolicyStore.Open(_home);

        Assert.Equal(BuiltInPolicies.Snapshot, store.Load());
        Assert.Equal(1, store.SchemaVersion);
        Assert.Equal(0, store.ReadGeneration());
        Assert.Equal("ok", store.CheckIntegrity());
    }

    [Fact]
    public void Reopening_RunsNoMigrationTwice_AndKeepsState()
    {
        using (var store = SqlitePolicyStore.Open(_home))
        {
            Assert.True(store.Update(Partner).Committed);
        }

        using var reopened = SqlitePolicyStore.Open(_home);
        Assert.Equal(1, reopened.SchemaVersion);
        Assert.Equal(1, reopened.ReadGeneration());
        Assert.Equal(Partner(BuiltInPolicies.Snapshot).Snapshot, reopened.Load());
    }

    [Fact]
    public void RoundTrip_KeepsEveryDetailIncludingTheKey()
    {
        using var store = SqlitePolicyStore.Open(_home);
        var expected = Partner(BuiltInPolicies.Snapshot).Snapshot!;
        var tunnel = expected.FindPolicy("Partner")! with
        {
            Description = "with tunnel",
            Rules = EquatableList.Of(expected.FindPolicy("Partner")!.Rules[0] with { TunnelEndpoint = IPAddress.Parse("2001:db8::7"), ConnectionType = ConnectionType.Lan }),
        };
        expected = expected.WithPolicy(tunnel) with { AssignedPolicyName = "Partner" };

        Assert.True(store.Update(_ => PolicyEdit.Ok(expected, "all")).Committed);

        var loaded = store.Load();
        Assert.Equal(expected, loaded);
        Assert.Equal("ABC123", Assert.IsType<AuthenticationMethod.PreSharedKey>(loaded.FindPolicy("Partner")!.Rules[0].AuthenticationMethods[0]).Secret);
    }

    [Fact]
    public void EveryChange_BumpsTheGenerationOnce_AndNoChangeDoesNot()
    {
        using var store = SqlitePolicyStore.Open(_home);

        var created = store.Update(s => PolicyEditor.CreateFilterList(s, "One", ""));
        var assigned = store.Update(s => PolicyEditor.AssignPolicy(s, "Client"));

        var unchanged = store.Update(s => PolicyEditor.AssignPolicy(s, "Client"));

        Assert.Equal(1, created.Generation);
        Assert.Equal(2, assigned.Generation);
        Assert.True(unchanged.Committed);
        Assert.Equal("policy 'Client (Respond Only)' is already assigned", unchanged.Message);
        Assert.Equal(2, store.ReadGeneration());
    }

    [Fact]
    public void AnotherConnection_SeesTheNewGeneration_AsTheAgentPolls()
    {
        using var agent = SqlitePolicyStore.Open(_home);
        using var cli = SqlitePolicyStore.Open(_home);
        var before = agent.ReadGeneration();

        cli.Update(s => PolicyEditor.AssignPolicy(s, "Server"));

        Assert.Equal(before + 1, agent.ReadGeneration());
        Assert.Equal(BuiltInPolicies.Server, agent.Load().AssignedPolicyName);
    }

    [Fact]
    public void Import_WithNamesDifferingInCase_ReplacesInPlace()
    {
        using var store = SqlitePolicyStore.Open(_home);
        store.Update(Partner);
        var stored = store.Load();
        var policy = stored.FindPolicy("Partner")!;
        var shouted = new PolicyDocument(
            policy with
            {
                Name = "PARTNER",
                Description = "imported",
                Rules = EquatableList.Of(policy.Rules[0] with { FilterListName = "PARTNER FILTER", FilterActionName = "partner filter action" }),
            },
            EquatableList.Of(stored.FindFilterList("Partner Filter")! with { Name = "PARTNER FILTER", Description = "imported" }),
            EquatableList.Of(stored.FindFilterAction("Partner Filter Action")! with { Name = "partner filter action" }));

        var result = store.Update(s => PolicyEditor.ImportPolicy(s, shouted));

        Assert.True(result.Committed, string.Join("; ", result.Errors));
        Assert.Contains("replaced policy 'Partner'", result.Message, StringComparison.Ordinal);
        var loaded = store.Load();
        Assert.Equal(loaded, store.Load());
        var reloaded = loaded.FindPolicy("Partner")!;
        Assert.Equal("Partner", reloaded.Name);
        Assert.Equal("imported", reloaded.Description);
        Assert.Equal(policy.Rules, reloaded.Rules);
        Assert.Equal("imported", loaded.FindFilterList("Partner Filter")!.Description);
        Assert.Equal(4, loaded.Policies.Count);
        using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM rules WHERE policy = 'Partner'";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public void RefusedUpdate_StoresNothingAndKeepsTheGeneration()
    {
        using var store = SqlitePolicyStore.Open(_home);
        var blank = Partner(BuiltInPolicies.Snapshot).Snapshot!;
        var policy = blank.FindPolicy("Partner")!;
        blank = blank.WithPolicy(policy with { Rules = EquatableList.Of(policy.Rules[0] with { AuthenticationMethods = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("")) }) });

        var result = store.Update(_ => PolicyEdit.Ok(blank, "should not commit"));

        Assert.False(result.Committed);
        Assert.Contains(result.Errors, e => e.Contains("the pre-shared key is blank", StringComparison.Ordinal));
        Assert.Equal(0, result.Generation);
        Assert.Equal(BuiltInPolicies.Snapshot, store.Load());
        Assert.False(store.Update(s => PolicyEditor.DeletePolicy(s, "Nope")).Committed);
        Assert.Equal(0, store.ReadGeneration());
    }

    [Fact]
    public void Assignment_ReplacesAndUnassigns()
    {
        using var store = SqlitePolicyStore.Open(_home);
        store.Update(s => PolicyEditor.AssignPolicy(s, "Server"));

        var result = store.Update(s => PolicyEditor.AssignPolicy(s, "Secure Server"));

        Assert.Contains("unassigned 'Server (Request Security)'", result.Message, StringComparison.Ordinal);
        Assert.Equal(BuiltInPolicies.SecureServer, store.Load().AssignedPolicyName);
        store.Update(s => PolicyEditor.UnassignPolicy(s, "Secure Server"));
        Assert.Null(store.Load().AssignedPolicyName);
    }

    [Fact]
    public void ForeignKeys_RefuseDeletingInUseObjects_EvenBypassingValidation()
    {
        using (var store = SqlitePolicyStore.Open(_home))
        {
            store.Update(s => PolicyEditor.AssignPolicy(s, "Server"));
        }

        using var connection = new SqliteConnection($"Data Source={Path.Combine(_home, StoreLocation.DatabaseFileName)};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA foreign_keys = ON");

        Assert.Throws<SqliteException>(() => Execute(connection, "DELETE FROM filter_lists WHERE name = 'All IP Traffic'"));
        Assert.Throws<SqliteException>(() => Execute(connection, "DELETE FROM filter_actions WHERE name = 'Require Security'"));
        Assert.Throws<SqliteException>(() => Execute(connection, "DELETE FROM policies WHERE name = 'Server (Request Security)'"));
        Execute(connection, "DELETE FROM filter_lists WHERE name = 'All ICMP Traffic'"); // unused: allowed
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Store_IsCreatedPrivate()
    {
        using var store = SqlitePolicyStore.Open(_home);
        store.Update(s => PolicyEditor.CreateFilterList(s, "One", ""));
        var database = Path.Combine(_home, StoreLocation.DatabaseFileName);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_home));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database));
        Assert.True(File.Exists(database + "-wal"), "WAL mode should keep a -wal file while open");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database + "-wal"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database + "-shm"));
    }

    [Fact]
    public void Store_UsesWalWithFullSync()
    {
        using var store = SqlitePolicyStore.Open(_home);
        using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_home)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static PolicyEdit Partner(PolicySnapshot snapshot)
    {
        var result = snapshot
            .WithPolicy(IpsecPolicy.Create("Partner", "", defaultResponseRule: false))
            .WithFilterList(new FilterList("Partner Filter", "", EquatableList.Of(new Filter(AddressSpec.Me, new AddressSpec.Host(IPAddress.Parse("192.0.2.2"))))))
            .WithFilterAction(new FilterAction("Partner Filter Action", "", FilterActionKind.Negotiate, SecurityMethod.Medium));
        return PolicyEditor.AddRule(result, "Partner", "Partner Filter", "Partner Filter Action", [new AuthenticationMethod.PreSharedKey("ABC123")], null);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
