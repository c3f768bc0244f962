using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// Fail closed from the first packet: B blocks everything; A pings it every 10 ms while B's agent is killed with
/// SIGKILL and restarted five times, then restarted on an unreadable store. No reply may come back at any time, and
/// B's status names the cause. Once B's agent knows no policy is assigned, pings flow again.
/// Needs root, iproute2, iptables and ping; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed partial class FailClosedTests
{
    [Fact]
    public async Task BlockAll_KilledAndRestartedFiveTimes_ThenOnAnUnreadableStore_AnswersNoPing()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        b.Start();
        b.Cli("filteraction", "create", "Block All", "--block");
        b.Cli("policy", "create", "Fortress", "--no-default-response");
        b.Cli("rule", "add", "Fortress", "--filterlist", "All IP Traffic", "--action", "Block All");
        b.Assign("Fortress");

        var ping = pair.StartProcess(pair.A, "ping", "-n", "-i", "0.01", NetworkNamespacePair.AddressB);
        for (var restart = 0; restart < 5; restart++)
        {
            b.Kill();
            b.Start();
            Wait.Until(() => EnforcedPolicy(b) == "Fortress", TimeSpan.FromSeconds(20), "the policy enforced after restart " + (restart + 1) + "\n" + b.AgentOutput);
        }

        AssertNoReply(ping, "the restarts");

        // An unreadable store: garbage where the database was.
        ping = pair.StartProcess(pair.A, "ping", "-n", "-i", "0.01", NetworkNamespacePair.AddressB);
        b.Kill();
        var store = Path.Combine(b.Home, "policy.db");
        foreach (var file in new[] { store + "-wal", store + "-shm" })
        {
            File.Delete(file);
        }

        await File.WriteAllBytesAsync(store, [.. Enumerable.Repeat((byte)0x5A, 8192)]);
        b.Start();
        Wait.Until(() => State(b) == "failed", TimeSpan.FromSeconds(20), "the failure reported\n" + b.AgentOutput);
        Thread.Sleep(TimeSpan.FromSeconds(2));
        AssertNoReply(ping, "the restart on an unreadable store");

        string status = b.Cli("agent", "status");
        Assert.Contains("policy NOT applied: cannot read the policy store " + store, status, StringComparison.Ordinal);
        Assert.Contains("all traffic that is not exempt is dropped", status, StringComparison.Ordinal);
        var policy = JsonDocument.Parse(b.Cli("agent", "status", "--json")).RootElement.GetProperty("policy");
        Assert.Equal("failed", policy.GetProperty("state").GetString());
        Assert.Contains("not a database", policy.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // A fresh store assigns nothing: once the agent knows that, traffic flows (and the chains are gone).
        b.Kill();
        File.Delete(store);
        b.Start();
        Wait.Until(() => State(b) == "no-policy", TimeSpan.FromSeconds(20), "no policy known\n" + b.AgentOutput);
        Assert.True(NetworkNamespacePair.Exec(pair.A, "ping", "-c", "1", "-W", "2", NetworkNamespacePair.AddressB).ExitCode == 0, "with no policy, pings flow");

        // The chains go once the data path has seen the state (the status may answer a few milliseconds before).
        Wait.Until(() => !NetworkNamespacePair.Exec(pair.B, "iptables-save").Output.Contains("RAMPART", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the chains removed\n" + b.AgentOutput);
    }

    /// <summary>Stops the pinger and asserts it sent steadily and got no reply.</summary>
    private static void AssertNoReply(BackgroundProcess ping, string during)
    {
        ping.Interrupt(TimeSpan.FromSeconds(10));

        // The exit can overtake the last lines of output, which arrive asynchronously.
        Wait.Until(() => ping.Output.Contains("packets transmitted", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "ping's statistics\n" + ping.Error);
        var (sent, received) = Statistics(ping.Output);
        Assert.True(sent > 100, $"A sent only {sent} pings during {during}: {ping.Output}{ping.Error}");
        Assert.True(received == 0, $"{received} of {sent} pings were answered through the block-all policy during {during}");
    }

    private static string? EnforcedPolicy(AgentHost host) => PolicyStatus(host, "assignedPolicy");

    private static string? State(AgentHost host) => PolicyStatus(host, "state");

    private static string? PolicyStatus(AgentHost host, string property)
    {
        try
        {
            return host.ControlAsync("policy.status").GetAwaiter().GetResult().TryGetProperty(property, out var value) ? value.GetString() : null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return null;
        }
    }

    private static (int Sent, int Received) Statistics(string output)
    {
        var match = PingStatistics().Match(output);
        Assert.True(match.Success, "no ping statistics in: " + output);
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex PingStatistics();
}
