using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;

namespace Rampart.Cli.Tests;

/// <summary><c>rampart monitor</c>: JSON, plain text, refresh, and its errors.</summary>
public sealed class MonitorCliTests : IDisposable
{
    private static readonly MonitorSnapshot Snapshot = new(
        new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        "Partner",
        [
            new MonitoredAssociation(
                "Partner", "Partner Filter", "Partner Filter Action", "me -> 192.0.2.2 protocol any mirrored", "192.0.2.1", "192.0.2.2",
                "any", "any", "any", "secured", "ESP AES-GCM-128", "transport", null, 4026531842, 4026531841, 1234, 5678, 75, 825),
            new MonitoredAssociation(
                MonitoredAssociation.NoPolicy, "Server Filter", "Request Security", "me -> any protocol any mirrored", "192.0.2.1", "198.51.100.7",
                "any", "any", "any", "soft", "none", null, null, null, null, 0, 0, 12, null),
        ],
        [new MainModeAssociation("192.0.2.1", "192.0.2.2", "psk: 192.0.2.2", "psk", "AES-CBC-256/SHA-256/DH 14", 3, 300, 28500)],
        new MonitorStatistics(
            ActiveAssociations: 2, ConfidentialBytesSent: 1234, ConfidentialBytesReceived: 5678, AuthenticatedBytesSent: 1234, AuthenticatedBytesReceived: 5678,
            BadSpiPackets: 3, PacketsNotDecrypted: 4, PacketsNotAuthenticated: 5, ReplayDrops: 6, SoftAssociations: 1, MainModes: 7, QuickModes: 8,
            AuthenticationFailures: 9, NegotiationFailures: 10, PendingKeyOperations: 11, KeyAdditions: 12, KeyDeletions: 13, Rekeys: 14,
            DeadPeers: 15, MainModeRenewals: 16));

    private readonly RampartProcess _rampart = new();

    [Fact]
    public void Once_Json_PrintsOneSnapshotOnOneLine()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => Snapshot);

        var output = _rampart.Ok("monitor", "--once", "--json");

        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var rows = json.RootElement.GetProperty("associations");
        Assert.Equal("4026531841", rows[0].GetProperty("outboundSpi").GetRawText());
        Assert.Equal("ESP AES-GCM-128", rows[0].GetProperty("security").GetString());
        Assert.Equal("<none>", rows[1].GetProperty("policy").GetString());
        Assert.Equal(1234, json.RootElement.GetProperty("statistics").GetProperty("confidentialBytesSent").GetInt64());
        Assert.Equal(Snapshot.Statistics, json.RootElement.Deserialize<MonitorSnapshot>(ControlJson.Options)!.Statistics);
        Assert.Equal(MonitorSnapshotCommand, Assert.Single(agent.Requests).Command);
    }

    [Fact]
    public void Once_PrintsThePlainTableAndEveryStatistic()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => Snapshot);

        var lines = _rampart.Ok("monitor", "--once").Split('\n').Select(l => l.TrimEnd()).ToList();

        Assert.StartsWith("IP Security Monitor  2026-11-27 12:00:00Z  policy: Partner", lines[0], StringComparison.Ordinal);
        var header = lines.Single(l => l.TrimStart().StartsWith("POLICY", StringComparison.Ordinal));
        var secured = lines.Single(l => l.TrimStart().StartsWith("Partner ", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("OUTBOUND SPI", StringComparison.Ordinal), secured.IndexOf("4026531841", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("INBOUND SPI", StringComparison.Ordinal), secured.IndexOf("4026531842", StringComparison.Ordinal));
        Assert.Contains("Partner Filter / Partner Filter Action", secured, StringComparison.Ordinal);
        Assert.Contains("ESP AES-GCM-128", secured, StringComparison.Ordinal);
        Assert.Contains("00:01:15", secured, StringComparison.Ordinal);
        Assert.Contains("00:13:45", secured, StringComparison.Ordinal);
        var soft = lines.Single(l => l.TrimStart().StartsWith("<none>", StringComparison.Ordinal));
        Assert.Contains("198.51.100.7", soft, StringComparison.Ordinal);
        Assert.Contains("soft", soft, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("psk: 192.0.2.2", StringComparison.Ordinal));
        foreach (var (label, value) in new[]
        {
            ("Active Associations", "2"), ("Confidential Bytes Sent", "1234"), ("Confidential Bytes Received", "5678"),
            ("Authenticated Bytes Sent", "1234"), ("Authenticated Bytes Received", "5678"), ("Bad SPI Packets", "3"),
            ("Packets Not Decrypted", "4"), ("Packets Not Authenticated", "5"), ("Replay Drops", "6"), ("Soft Associations", "1"),
            ("Main Modes", "7"), ("Quick Modes", "8"), ("Authentication Failures", "9"), ("Negotiation Failures", "10"),
            ("Pending Key Operations", "11"), ("Key Additions", "12"), ("Key Deletions", "13"), ("Rekeys", "14"),
            ("Dead Peers", "15"), ("Main Mode Renewals", "16"),
        })
        {
            Assert.Contains(lines, l => l.Trim().StartsWith(label + " ", StringComparison.Ordinal) && l.EndsWith(" " + value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Piped_Json_RefreshesEverySecond_OneSnapshotPerLine()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => Snapshot);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "rampart.dll"), "monitor", "--json", "--refresh", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["RAMPART_HOME"] = _rampart.Home;
        using var monitor = Process.Start(start)!;
        try
        {
            var watch = Stopwatch.StartNew();
            var lines = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                lines.Add(await monitor.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("rampart monitor ended: " + await monitor.StandardError.ReadToEndAsync()));
            }

            Assert.All(lines, line => Assert.Equal("Partner", JsonDocument.Parse(line).RootElement.GetProperty("assignedPolicy").GetString()));
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.8), $"3 snapshots at 1 s intervals came in {watch.Elapsed}");
            Assert.False(monitor.HasExited);
        }
        finally
        {
            monitor.Kill();
            await monitor.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void RefreshBelowOneSecond_IsRejected(string refresh)
    {
        var result = _rampart.Run("monitor", "--refresh", refresh, "--once");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--refresh must be at least 1 second", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void NoAgent_FailsWithAClearMessage()
    {
        var result = _rampart.Run("monitor", "--once");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the agent is not running", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _rampart.Dispose();

    private const string MonitorSnapshotCommand = "monitor.snapshot";
}
