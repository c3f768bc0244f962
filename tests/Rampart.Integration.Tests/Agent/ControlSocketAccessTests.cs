using Rampart.Lab;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// The control socket checks who calls (SO_PEERCRED), not only its file mode: root may do everything, members of
/// the control group only the read-only commands, others nothing. The real rampartd runs in a namespace of a pair
/// with RAMPART_CONTROL_GROUP naming a group made for the test; the real CLI runs as unprivileged users in and out
/// of that group (setpriv). Needs root, iproute2, passwd and util-linux.
/// </summary>
public sealed class ControlSocketAccessTests : IDisposable
{
    private const string Key = "TopSecretKey42";

    private readonly UnprivilegedUsers _users;
    private readonly NetworkNamespacePair? _pair;
    private readonly string _home = Directory.CreateTempSubdirectory("rpt-access-").FullName;
    private readonly AgentHost? _agent;

    public ControlSocketAccessTests()
    {
        _users = new UnprivilegedUsers();
        try
        {
            _pair = new NetworkNamespacePair();
            _agent = new AgentHost(_pair, _pair.A, home: _home).Start("RAMPART_CONTROL_GROUP=" + _users.Group);
            Root("filterlist", "create", "Partner Filter");
            Root("filter", "add", "Partner Filter", "--src", "me", "--dst", NetworkNamespacePair.AddressB);
            Root("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "medium");
            Root("policy", "create", "Partner", "--no-default-response");
            Root("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:" + Key);
        }
        catch
        {
            // xUnit disposes only what it constructed: remove the users, namespaces and agent here.
            Dispose();
            throw;
        }
    }

    private AgentHost Agent => _agent!;

    [Fact]
    public void GroupMember_MayUseTheReadOnlyCommands_AndNothingElse()
    {
        Assert.Contains("rampartd running", Member("agent", "status"), StringComparison.Ordinal);
        Assert.Contains("SPI", Member("sa", "list"), StringComparison.Ordinal);
        Assert.Contains("Partner", Member("policy", "list"), StringComparison.Ordinal);
        var shown = Member("policy", "show", "Partner") + Member("policy", "show", "Partner", "--json");
        Assert.Contains("psk:********", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, shown, StringComparison.Ordinal);
        Assert.Contains("no audit events", Member("audit"), StringComparison.Ordinal);
        Assert.Contains("IP Security Monitor", Member("monitor", "--once"), StringComparison.Ordinal);

        AssertRefused(_users.Member, "rampart: permission denied: agent.stop needs root", "agent", "stop");
        AssertRefused(_users.Member, "rampart: permission denied: agent.restart needs root", "agent", "restart");
        AssertRefused(_users.Member, "rampart: permission denied: trace.set needs root", "trace", "ike", "off");
        AssertRefused(_users.Member, "rampart: permission denied: sa.add needs root", "sa", "add", "--src", NetworkNamespacePair.AddressA, "--dst", NetworkNamespacePair.AddressB, "--spi", "4096", "--aead", "aes-gcm-128:00112233445566778899aabbccddeeff01020304");
        AssertRefused(_users.Member, "rampart: permission denied: changing the policy store needs root", "policy", "assign", "Partner");
        AssertRefused(_users.Member, "rampart: permission denied: reading the policy store needs root", "policy", "export", "Partner", "--include-secrets");

        Assert.False(Agent.HasExited, "a refused agent stop stopped the agent");
        Assert.Contains("no policy assigned", Root("agent", "status"), StringComparison.Ordinal);
        Assert.Contains("Control command agent.stop refused to uid", Agent.AgentOutput, StringComparison.Ordinal);
        using var status = System.Text.Json.JsonDocument.Parse(Root("agent", "status", "--json"));
        Assert.Equal(4, status.RootElement.GetProperty("refusedControlRequests").GetInt64()); // agent stop, agent restart, trace set, sa add
    }

    [Fact]
    public void Outsider_IsRefusedEverything()
    {
        foreach (var command in new[] { "agent status", "sa list", "policy list", "policy show Partner", "audit", "monitor --once", "agent stop", "trace status" })
        {
            var result = _users.Rampart(_users.Outsider, _home, command.Split(' '));
            Assert.True(result.ExitCode == 1, $"rampart {command} as an outsider exited {result.ExitCode}: {result.Output}{result.Error}");
            Assert.StartsWith("rampart: permission denied", result.Error, StringComparison.Ordinal);
        }

        AssertRefused(_users.Outsider, "rampart: permission denied: changing the policy store needs root", "policy", "assign", "Partner");
        Assert.False(Agent.HasExited);
    }

    [Fact]
    public void Outsider_IsRefusedByTheAgent_EvenWhenTheFileModesLetThemIn()
    {
        // A careless chmod must not open the agent: the check is the peer's credentials, not the socket's mode.
        File.SetUnixFileMode(_home, (UnixFileMode)0x1C9); // 0711
        File.SetUnixFileMode(Path.Combine(_home, "rampartd.sock"), (UnixFileMode)0x1B6); // 0666

        AssertRefused(_users.Outsider, $"rampart: permission denied: agent.status needs root or membership of group '{_users.Group}'", "agent", "status");
        AssertRefused(_users.Outsider, $"rampart: permission denied: monitor.snapshot needs root or membership of group '{_users.Group}'", "monitor", "--once");
        AssertRefused(_users.Outsider, $"rampart: permission denied: policy.view needs root or membership of group '{_users.Group}'", "policy", "list");
        AssertRefused(_users.Outsider, "rampart: permission denied: agent.stop needs root", "agent", "stop");
        Assert.False(Agent.HasExited, "an outsider stopped the agent");
        Assert.Contains("rampartd running", Root("agent", "status"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _pair?.Dispose();
        _users.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private string Root(params string[] arguments) => Agent.Cli(arguments);

    private string Member(params string[] arguments) =>
        _users.Rampart(_users.Member, _home, arguments).EnsureSuccess("rampart " + string.Join(' ', arguments) + " as a group member").Output;

    private void AssertRefused(string user, string message, params string[] arguments)
    {
        var result = _users.Rampart(user, _home, arguments);
        Assert.True(result.ExitCode == 1, $"rampart {string.Join(' ', arguments)} as {user} exited {result.ExitCode}: {result.Output}{result.Error}");
        Assert.Equal(message, result.Error.Trim());
    }
}
