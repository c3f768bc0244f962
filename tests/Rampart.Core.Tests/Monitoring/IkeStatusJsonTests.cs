using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;

namespace Rampart.Core.Tests.Monitoring;

/// <summary><c>ike.status</c> is read by tests and scripts: one statistics record, the same fields as before it was merged.</summary>
public class IkeStatusJsonTests
{
    [Fact]
    public void IkeStatus_KeepsItsFieldsAndOrder()
    {
        var statistics = new IkeStatistics(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
        {
            HeardPeers = 14,
            HalfOpen = 15,
            HalfOpenProven = 16,
            HalfOpenEvicted = 17,
            HalfOpenRefused = 18,
            FailureAuditsSuppressed = 19,
            DroppedDatagrams = 20,
            AuditRecordsDropped = 21,
            Fragments = new IkeFragmentCounters(22, 23, 24, 25),
            CertificatesRejected = 26,
            CrlFailures = 27,
        };
        var row = new MainModeSaRow("192.0.2.1:500", "192.0.2.2:500", "0102030405060708", "1112131415161718", "initiator", "established", "aes-cbc-128/sha256/modp2048", false, 2, 12.5, 28787.5);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(new IkeStatus(statistics, [row]), ControlJson.Options));

        Assert.Equal(["statistics", "mainModes"], json.RootElement.EnumerateObject().Select(p => p.Name));
        var fields = json.RootElement.GetProperty("statistics").EnumerateObject().ToList();
        Assert.Equal(
            ["mainModes", "quickModes", "softAssociations", "authenticationFailures", "negotiationFailures", "pendingKeyOperations", "keyAdditions", "keyDeletions", "rekeys", "malformedMessages", "retransmits", "deadPeers", "mainModeRenewals",
             "heardPeers", "halfOpen", "halfOpenProven", "halfOpenEvicted", "halfOpenRefused", "failureAuditsSuppressed", "droppedDatagrams", "auditRecordsDropped", "fragments",
             "certificatesRejected", "crlFailures"],
            fields.Select(p => p.Name));
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), fields.Take(21).Select(p => p.Value.GetInt64()));
        Assert.Equal(
            [("sent", 22L), ("received", 23L), ("reassembled", 24L), ("reassembliesDropped", 25L)],
            fields[21].Value.EnumerateObject().Select(p => (p.Name, p.Value.GetInt64())));
        Assert.Equal([26L, 27L], fields.Skip(22).Select(p => p.Value.GetInt64()));
        Assert.Equal(
            ["local", "peer", "initiatorCookie", "responderCookie", "role", "state", "algorithms", "natTraversal", "quickModeSaPairs", "ageSeconds", "lifetimeLeftSeconds"],
            json.RootElement.GetProperty("mainModes")[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void AuthenticatedMainMode_AddsThePeersIdentityLast()
    {
        var row = new MainModeSaRow("192.0.2.1:500", "192.0.2.2:500", "0102030405060708", "1112131415161718", "responder", "established", "aes-cbc-128/sha256/ecp256", false, 1, 3, 3597, "CN=host-b, O=Rampart");

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(row, ControlJson.Options));

        var last = json.RootElement.EnumerateObject().Last();
        Assert.Equal(("peerIdentity", "CN=host-b, O=Rampart"), (last.Name, last.Value.GetString()));
    }

    [Fact]
    public void Flood_GroupsTheSameCounters_ForTheMonitor()
    {
        var statistics = IkeStatistics.Zero with
        {
            DroppedDatagrams = 1,
            HalfOpenEvicted = 2,
            HalfOpenRefused = 3,
            FailureAuditsSuppressed = 4,
            AuditRecordsDropped = 5,
        };

        Assert.Equal(new IkeFloodCounters(1, 2, 3, 4, 5), statistics.Flood);
    }
}
