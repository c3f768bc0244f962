using System.Text.Json;
using Rampart.Agent.Monitoring;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>The monitor over real engines and SA databases: rows, byte counters, statistics and the control command.</summary>
public sealed class MonitorServiceTests : IDisposable
{
    private readonly MonitorHosts _hosts = new();

    [Fact]
    public void Snapshot_PolicyBinding_ShowsPolicyRuleFilterPeersSecurityAndUnsignedSpis()
    {
        _hosts.InstallSecuredPair();
        _hosts.Time.Advance(TimeSpan.FromSeconds(30));

        var snapshot = _hosts.Monitor.Snapshot();

        Assert.Equal("Partner", snapshot.AssignedPolicy);
        var row = Assert.Single(snapshot.Associations);
        Assert.Equal("Partner", row.Policy);
        Assert.Equal("Partner Filter", row.FilterList);
        Assert.Equal("Partner Filter Action", row.FilterAction);
        Assert.Equal("me -> 192.0.2.2 protocol udp mirrored", row.Filter);
        Assert.Equal("192.0.2.1", row.Source);
        Assert.Equal("192.0.2.2", row.Destination);
        Assert.Equal("udp", row.Protocol);
        Assert.Equal("any", row.SourcePort);
        Assert.Equal("any", row.DestinationPort);
        Assert.Equal("secured", row.Status);
        Assert.Equal("ESP AES-GCM-128", row.Security);
        Assert.Equal("transport", row.Mode);
        Assert.Equal(MonitorHosts.SpiBToA, row.InboundSpi);
        Assert.Equal(MonitorHosts.SpiAToB, row.OutboundSpi);
        Assert.Equal(30, row.AgeSeconds);
        Assert.Equal(SaLifetime.Default.HardSeconds - 30, row.LifetimeLeftSeconds);
        Assert.Equal(2, snapshot.Statistics.ActiveAssociations);
    }

    [Fact]
    public void Snapshot_ByteCountersGrowWithTraffic()
    {
        _hosts.InstallSecuredPair();
        _hosts.Exchange(100);
        var first = _hosts.Monitor.Snapshot();
        _hosts.Exchange(300);
        _hosts.Exchange(300);
        var second = _hosts.Monitor.Snapshot();

        // Byte counts are the protected payload: the 20-byte IP header is not counted in transport mode.
        var row1 = Assert.Single(first.Associations);
        var row2 = Assert.Single(second.Associations);
        Assert.Equal(108, row1.BytesSent);
        Assert.Equal(108, row1.BytesReceived);
        Assert.Equal(108 + (2 * 308), row2.BytesSent);
        Assert.Equal(108 + (2 * 308), row2.BytesReceived);
        Assert.Equal(row2.BytesSent, second.Statistics.ConfidentialBytesSent);
        Assert.Equal(row2.BytesReceived, second.Statistics.ConfidentialBytesReceived);
        Assert.Equal(row2.BytesSent, second.Statistics.AuthenticatedBytesSent);
        Assert.Equal(row2.BytesReceived, second.Statistics.AuthenticatedBytesReceived);
    }

    [Fact]
    public void Statistics_KeepTheBytesOfAnSaThatWentAway()
    {
        _hosts.InstallSecuredPair();
        _hosts.Exchange(100);
        var before = _hosts.Monitor.Statistics();
        Assert.True(_hosts.A.RemoveOutbound(MonitorHosts.BindingA()));
        Assert.True(_hosts.A.RemoveInbound(MonitorHosts.SpiBToA));

        var after = _hosts.Monitor.Statistics();

        Assert.Equal(0, after.ActiveAssociations);
        Assert.Equal(108, before.ConfidentialBytesSent);
        Assert.Equal(before.ConfidentialBytesSent, after.ConfidentialBytesSent);
        Assert.Equal(before.AuthenticatedBytesReceived, after.AuthenticatedBytesReceived);
        Assert.Empty(_hosts.Monitor.Snapshot().Associations);
    }

    [Fact]
    public void Snapshot_SoftAssociation_IsListedWithPolicyNone_AndCounted()
    {
        var peer = System.Net.IPAddress.Parse("192.0.2.2");
        _hosts.A.MarkSoft(MonitorHosts.BindingA(peer));
        _hosts.Time.Advance(TimeSpan.FromSeconds(5));

        var snapshot = _hosts.Monitor.Snapshot();

        var row = Assert.Single(snapshot.Associations);
        Assert.Equal(MonitoredAssociation.NoPolicy, row.Policy);
        Assert.Equal("<none>", row.Policy);
        Assert.Equal("soft", row.Status);
        Assert.Equal("none", row.Security);
        Assert.Null(row.OutboundSpi);
        Assert.Equal(5, row.AgeSeconds);
        Assert.Equal(1, snapshot.Statistics.SoftAssociations);
    }

    [Fact]
    public void SoftAssociations_CountsTheCurrentOnes_AnIdledOneLeavesTheListAndTheCount()
    {
        _hosts.A.MarkSoft(MonitorHosts.BindingA(System.Net.IPAddress.Parse("192.0.2.2")));
        _hosts.A.MarkSoft(MonitorHosts.BindingA(System.Net.IPAddress.Parse("192.0.2.3")));
        Assert.Equal(2, _hosts.Monitor.Snapshot().Statistics.SoftAssociations);

        _hosts.Time.Advance(_hosts.DatabaseA.IdleTimeout);
        _hosts.A.Poll();

        var snapshot = _hosts.Monitor.Snapshot();
        Assert.Empty(snapshot.Associations);
        Assert.Equal(0, snapshot.Statistics.SoftAssociations);
    }

    [Fact]
    public void Snapshot_BlockedBinding_ShowsTheTimeLeftOfTheBlock()
    {
        _hosts.A.MarkNegotiationFailed(MonitorHosts.BindingA());
        _hosts.Time.Advance(TimeSpan.FromSeconds(20));

        var row = Assert.Single(_hosts.Monitor.Snapshot().Associations);

        Assert.Equal("blocked", row.Status);
        Assert.Equal("Partner", row.Policy);
        Assert.Equal(40, row.LifetimeLeftSeconds);
    }

    [Fact]
    public void Snapshot_ManualSa_IsASelectorRowWithItsTraffic()
    {
        using var hosts = new MonitorHosts();
        hosts.InstallSecuredPair(SaLifetime.Unlimited);
        hosts.Exchange(50);
        var monitorB = new MonitorService(hosts.B, new Policy.PolicyState(), new NoIkeStatistics(), new Control.ControlDispatcher(), hosts.Time);

        var row = Assert.Single(monitorB.Snapshot().Associations);

        Assert.Equal(MonitoredAssociation.SelectorPolicy, row.Policy);
        Assert.Null(row.FilterList);
        Assert.Equal("192.0.2.2", row.Source);
        Assert.Equal("192.0.2.1", row.Destination);
        Assert.Equal("any", row.Protocol);
        Assert.Equal(MonitorHosts.SpiAToB, row.InboundSpi);
        Assert.Equal(MonitorHosts.SpiBToA, row.OutboundSpi);
        Assert.Equal(58, row.BytesSent);
        Assert.Equal(58, row.BytesReceived);
        Assert.Null(row.LifetimeLeftSeconds);
    }

    [Fact]
    public void Statistics_CountBadSpiReplayAndIntegrityFailures()
    {
        _hosts.InstallSecuredPair();
        var wire = _hosts.ProtectOnB(40);
        Assert.Equal(Rampart.DataPath.PolicyEngine.PacketAction.AcceptModified, _hosts.ReceiveOnA(wire).Action);
        Assert.Equal(Rampart.DataPath.PolicyEngine.PacketAction.Drop, _hosts.ReceiveOnA(wire).Action);
        var forged = (byte[])wire.Clone();
        forged[^1] ^= 1;
        forged[27] += 1; // a fresh sequence number, so the forgery reaches the integrity check
        Assert.Equal(Rampart.DataPath.PolicyEngine.PacketAction.Drop, _hosts.ReceiveOnA(forged).Action);
        var unknown = (byte[])wire.Clone();
        unknown[20] ^= 0x0F;
        Assert.Equal(Rampart.DataPath.PolicyEngine.PacketAction.Drop, _hosts.ReceiveOnA(unknown).Action);

        var statistics = _hosts.Monitor.Statistics();

        Assert.Equal(1, statistics.ReplayDrops);
        Assert.Equal(1, statistics.PacketsNotAuthenticated);
        Assert.Equal(1, statistics.BadSpiPackets);
    }

    [Fact]
    public void Statistics_IncludeTheIkeSourcesCounters_AndMainModes()
    {
        var ike = new FixedIkeStatistics(
            new IkeStatistics(MainModes: 3, QuickModes: 7, SoftAssociations: 0, AuthenticationFailures: 1, NegotiationFailures: 2, PendingKeyOperations: 1, KeyAdditions: 14, KeyDeletions: 4, Rekeys: 2, MalformedMessages: 0, Retransmits: 0, DeadPeers: 1, MainModeRenewals: 5)
            {
                DroppedDatagrams = 11,
                HalfOpenEvicted = 12,
                HalfOpenRefused = 13,
                FailureAuditsSuppressed = 14,
                AuditRecordsDropped = 15,
            },
            [new MainModeAssociation("192.0.2.1", "192.0.2.2", "psk: 192.0.2.2", "psk", "AES-CBC-256/SHA-256/DH 14", 7, 60, 28740)]);
        using var hosts = new MonitorHosts(ike);

        var snapshot = hosts.Monitor.Snapshot();

        Assert.Equal(3, snapshot.Statistics.MainModes);
        Assert.Equal(7, snapshot.Statistics.QuickModes);
        Assert.Equal(1, snapshot.Statistics.AuthenticationFailures);
        Assert.Equal(2, snapshot.Statistics.NegotiationFailures);
        Assert.Equal(1, snapshot.Statistics.PendingKeyOperations);
        Assert.Equal(14, snapshot.Statistics.KeyAdditions);
        Assert.Equal(4, snapshot.Statistics.KeyDeletions);
        Assert.Equal(2, snapshot.Statistics.Rekeys);
        Assert.Equal(1, snapshot.Statistics.DeadPeers);
        Assert.Equal(5, snapshot.Statistics.MainModeRenewals);
        Assert.Equal(new IkeFloodCounters(11, 12, 13, 14, 15), snapshot.Statistics.Flood);
        Assert.Equal("192.0.2.2", Assert.Single(snapshot.MainModes).Peer);
    }

    [Fact]
    public async Task ControlCommand_MonitorSnapshot_AnswersJsonWithUnsignedSpis()
    {
        await _hosts.Monitor.StartAsync(CancellationToken.None);
        try
        {
            _hosts.InstallSecuredPair();

            var response = await _hosts.Dispatcher.DispatchAsync(new ControlRequest(MonitorService.SnapshotCommand), CancellationToken.None);

            Assert.True(response.Ok, response.Error);
            var row = response.Result!.Value.GetProperty("associations")[0];
            Assert.Equal(4026531841u, row.GetProperty("outboundSpi").GetUInt32());
            Assert.Equal("4026531841", row.GetProperty("outboundSpi").GetRawText());
            var roundTrip = response.Result.Value.Deserialize<MonitorSnapshot>(ControlJson.Options)!;
            Assert.Equal("ESP AES-GCM-128", Assert.Single(roundTrip.Associations).Security);
            Assert.DoesNotContain("cipherKey", response.Result.Value.GetRawText(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ERERERER", response.Result.Value.GetRawText(), StringComparison.Ordinal); // the key bytes in base64
        }
        finally
        {
            await _hosts.Monitor.StopAsync(CancellationToken.None);
        }
    }

    public void Dispose() => _hosts.Dispose();

    private sealed class FixedIkeStatistics(IkeStatistics statistics, IReadOnlyList<MainModeAssociation> mainModes) : IIkeStatisticsSource
    {
        public IkeStatistics Statistics() => statistics;

        public IReadOnlyList<MainModeAssociation> MainModeAssociations() => mainModes;
    }
}
