using System.Text.Json;
using Rampart.Core.Auditing;
using Rampart.Core.Control;

namespace Rampart.Cli.Tests;

/// <summary><c>rampart audit</c> and <c>rampart trace</c>: what they ask the agent and how they print its answers.</summary>
public sealed class AuditTraceCliTests : IDisposable
{
    private static readonly AuditRecord Established = new(
        12,
        new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        AuditEventId.SecurityAssociationEstablished,
        true,
        "IKE security association established",
        [
            new AuditField("", "Mode", "Data Protection Mode (Quick Mode)"),
            new AuditField("Peer Identity", "Preshared key ID", "192.0.2.2"),
            new AuditField("Peer Identity", "Peer IP Address", "192.0.2.2"),
            new AuditField("Filter", "Source IP Address", "192.0.2.1"),
            new AuditField("Filter", "Source IP Address Mask", "255.255.255.255"),
            new AuditField("Filter", "Destination IP Address", "192.0.2.2"),
            new AuditField("Filter", "Protocol", "0"),
            new AuditField("Parameters", "ESP Algorithm", "AES-GCM-128"),
            new AuditField("Parameters", "Encapsulation", "Transport Mode"),
            new AuditField("Parameters", "InboundSpi", "4026531842"),
            new AuditField("Parameters", "OutBoundSpi", "4026531841"),
        ]);

    private static readonly AuditRecord Failed = new(
        13,
        new DateTimeOffset(2026, 11, 27, 12, 5, 0, TimeSpan.Zero),
        AuditEventId.NegotiationFailed,
        false,
        "IKE security association negotiation failed",
        [new AuditField("Peer Identity", "Peer IP Address", "192.0.2.2"), new AuditField("", "Failure Point", "Me"), new AuditField("", "Failure Reason", "No response from peer")]);

    private readonly RampartProcess _rampart = new();

    [Fact]
    public void Audit_PrintsEachEventWithItsSectionsLikeTheWalkthrough()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new[] { Established, Failed });

        var output = _rampart.Ok("audit").Replace("\r", "", StringComparison.Ordinal);

        Assert.Contains(
            """
            Event 541  success  2026-11-27 12:00:00Z  #12
            IKE security association established
                Mode: Data Protection Mode (Quick Mode)

            Peer Identity:
                Preshared key ID: 192.0.2.2
                Peer IP Address: 192.0.2.2

            Filter:
                Source IP Address 192.0.2.1
                Source IP Address Mask 255.255.255.255
                Destination IP Address 192.0.2.2
                Protocol 0

            Parameters:
                ESP Algorithm AES-GCM-128
                Encapsulation Transport Mode
                InboundSpi 4026531842
                OutBoundSpi 4026531841
            """,
            output,
            StringComparison.Ordinal);
        Assert.Contains("Event 547  failure  2026-11-27 12:05:00Z  #13\nIKE security association negotiation failed\n", output, StringComparison.Ordinal);
        Assert.Contains("    Failure Reason: No response from peer\n", output, StringComparison.Ordinal);
        var request = Assert.Single(agent.Requests);
        Assert.Equal("audit.query", request.Command);
    }

    [Fact]
    public void Audit_EventAndSince_AreSentToTheAgent()
    {
        using var agent = new FakeAgent(_rampart.Home, request =>
            request.Arguments!.Value.GetProperty("eventId").GetInt32() == 547 ? new[] { Failed } : new[] { Established, Failed });

        var output = _rampart.Ok("audit", "--event", "547", "--since", "2026-11-27T12:01:00Z");

        Assert.DoesNotContain("Event 541", output, StringComparison.Ordinal);
        Assert.Contains("Event 547", output, StringComparison.Ordinal);
        var arguments = Assert.Single(agent.Requests).Arguments!.Value;
        Assert.Equal(547, arguments.GetProperty("eventId").GetInt32());
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 1, 0, TimeSpan.Zero), arguments.GetProperty("since").GetDateTimeOffset());
    }

    [Fact]
    public void Audit_SinceAnAge_AsksFromThatLongAgo()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => Array.Empty<AuditRecord>());

        var output = _rampart.Ok("audit", "--since", "10m");

        Assert.Equal("no audit events\n", output.Replace("\r", "", StringComparison.Ordinal));
        var since = Assert.Single(agent.Requests).Arguments!.Value.GetProperty("since").GetDateTimeOffset();
        Assert.InRange(DateTimeOffset.UtcNow - since, TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(11));
    }

    [Fact]
    public void Audit_Json_WritesTheRecords()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new[] { Established });

        using var json = JsonDocument.Parse(_rampart.Ok("audit", "--json"));

        var record = Assert.Single(json.RootElement.EnumerateArray()).Deserialize<AuditRecord>(ControlJson.Options)!;
        Assert.Equal(AuditEventId.SecurityAssociationEstablished, record.EventId);
        Assert.Equal(Established.Fields, record.Fields);
    }

    [Fact]
    public void Audit_Json_CarriesTheEventNumberBesideTheName()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new[] { Established, Failed });

        using var json = JsonDocument.Parse(_rampart.Ok("audit", "--json"));

        var records = json.RootElement.EnumerateArray().ToList();
        Assert.Equal([541, 547], records.Select(r => r.GetProperty("eventNumber").GetInt32()));
        Assert.Equal(["security-association-established", "negotiation-failed"], records.Select(r => r.GetProperty("eventId").GetString()));
    }

    [Theory]
    [InlineData("--event", "999", "unknown audit event 999")]
    [InlineData("--since", "yesterday", "invalid --since 'yesterday'")]
    [InlineData("--success", "maybe", "maybe")]
    public void Audit_BadArguments_AreUsageErrors(string option, string value, string message)
    {
        var result = _rampart.Run("audit", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_SuccessOff_SwitchesOnlySuccessAuditing()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new { AuditSuccess = false, AuditFailure = true, MaximumRecords = 100000 });

        var output = _rampart.Ok("audit", "--success", "off");

        Assert.Equal("success auditing off, failure auditing on\n", output.Replace("\r", "", StringComparison.Ordinal));
        var request = Assert.Single(agent.Requests);
        Assert.Equal("audit.settings", request.Command);
        Assert.False(request.Arguments!.Value.GetProperty("success").GetBoolean());
        Assert.False(request.Arguments.Value.TryGetProperty("failure", out _), "failure auditing must be left as it is");
    }

    [Theory]
    [InlineData("ike", "off", false)]
    [InlineData("agent", "on", true)]
    public void Trace_Switch_SendsTraceSet_AndPrintsTheFile(string trace, string state, bool enabled)
    {
        using var agent = new FakeAgent(_rampart.Home, request => new[]
        {
            new { Trace = "ike", Enabled = trace == "ike" ? enabled : true, Path = "/var/lib/rampart/trace/ike.log" },
            new { Trace = "agent", Enabled = trace == "agent" ? enabled : true, Path = "/var/lib/rampart/trace/agent.log" },
        });

        var output = _rampart.Ok("trace", trace, state);

        Assert.Equal($"{trace} trace {state}: /var/lib/rampart/trace/{trace}.log\n", output.Replace("\r", "", StringComparison.Ordinal));
        var request = Assert.Single(agent.Requests);
        Assert.Equal("trace.set", request.Command);
        Assert.Equal(trace, request.Arguments!.Value.GetProperty("trace").GetString());
        Assert.Equal(enabled, request.Arguments.Value.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public void Trace_Status_PrintsBothTracesAndTheirFiles()
    {
        using var agent = new FakeAgent(_rampart.Home, _ => new[]
        {
            new { Trace = "ike", Enabled = false, Path = "/h/trace/ike.log" },
            new { Trace = "agent", Enabled = true, Path = "/h/trace/agent.log" },
        });

        var output = _rampart.Ok("trace", "status");

        Assert.Equal("ike trace off: /h/trace/ike.log\nagent trace on: /h/trace/agent.log\n", output.Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal("trace.status", Assert.Single(agent.Requests).Command);
    }

    [Fact]
    public void Trace_BadState_IsAUsageError()
    {
        var result = _rampart.Run("trace", "ike", "maybe");

        Assert.Equal(2, result.ExitCode);
    }

    public void Dispose() => _rampart.Dispose();
}
