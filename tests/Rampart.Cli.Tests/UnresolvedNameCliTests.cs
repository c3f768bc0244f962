namespace Rampart.Cli.Tests;

/// <summary>A DNS name of the policy in force that does not resolve: <c>policy assign</c> and <c>agent status</c> say so.</summary>
public sealed class UnresolvedNameCliTests : IDisposable
{
    private const string Unresolved =
        "DNS name 'partner.example' (filter 1 of 'Partner Filter') did not resolve: traffic that may be meant for it is blocked, never sent in clear, until it resolves";

    private readonly RampartProcess _rampart = new();

    [Fact]
    public void PolicyAssign_WarnsAboutANameTheAgentCouldNotResolve()
    {
        _rampart.Ok("policy", "create", "Partner", "--no-default-response");
        using var agent = new FakeAgent(_rampart.Home, request => request.Command == "policy.reload"
            ? new { AssignedPolicy = "Partner", Generation = 2, Filters = 4, MyAddresses = new[] { "192.0.2.1" }, UnresolvedNames = new[] { Unresolved } }
            : null);

        var result = _rampart.Run("policy", "assign", "Partner");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("rampart: warning: " + Unresolved + "; retried every 30 s", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentStatus_ShowsTheUnresolvedNames()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new
        {
            ProcessId = 4242,
            Started = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
            Home = _rampart.Home,
            Version = "1.0",
            Policy = new { AssignedPolicy = "Partner", Generation = 2, Filters = 4, MyAddresses = new[] { "192.0.2.1" }, UnresolvedNames = new[] { Unresolved } },
            Commands = new[] { "agent.status" },
        });

        var output = _rampart.Ok("agent", "status");

        Assert.Contains("enforcing policy 'Partner' (4 filters)", output, StringComparison.Ordinal);
        Assert.Contains("warning: " + Unresolved + " (retried every 30 s)", output, StringComparison.Ordinal);
    }

    public void Dispose() => _rampart.Dispose();
}
