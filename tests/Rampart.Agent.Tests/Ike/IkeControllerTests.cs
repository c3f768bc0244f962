using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Auditing;
using Rampart.DataPath.Database;
using Rampart.DataPath.Pipeline;
using Rampart.Ike;

namespace Rampart.Agent.Tests.Ike;

/// <summary>Two agents' IKE controllers talking in memory on one fake clock: the walkthrough's timing without sleeping.</summary>
public sealed class IkeControllerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly Host _a;
    private readonly Host _b;
    private bool _linkUp = true;

    public IkeControllerTests()
    {
        _a = new Host(this, TestPolicies.HostA);
        _b = new Host(this, TestPolicies.HostB);
    }

    [Fact]
    public void Acquire_NegotiatesBothSides_WithMatchingSpis_AndAudits541()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _b.Policy.Publish(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        Deliver();

        Assert.True(_a.DataPath.Database.TryGetOutbound(acquire.Binding, out var outboundA));
        var bindingB = PolicyIkeMappingTests.AcquireFor(_b.Policy.Current, TestPolicies.HostB, TestPolicies.HostA).Binding;
        Assert.True(_b.DataPath.Database.TryGetOutbound(bindingB, out var outboundB));
        Assert.Equal(1, _a.Controller.InstalledPairs);
        Assert.Equal(1, _b.Controller.InstalledPairs);
        var established = _a.Audits.Where(r => r.EventId == AuditEventId.SecurityAssociationEstablished).ToList();
        Assert.Equal(2, established.Count); // main mode and quick mode
        var quickMode = established.Single(r => Value(r, "InboundSpi") is not null);
        Assert.Equal(outboundB.Spec.Spi.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(quickMode, "InboundSpi"));
        Assert.Equal(outboundA.Spec.Spi.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(quickMode, "OutboundSpi"));
        Assert.Equal("192.0.2.2", Value(quickMode, "Peer IP Address"));
        Assert.Equal("AH SHA-256".Split(' ')[1], Value(quickMode, "AH Algorithm"));
        var statistics = _a.Controller.Statistics();
        Assert.Equal((1, 1, 2, 0), (statistics.MainModes, statistics.QuickModes, statistics.KeyAdditions, statistics.PendingKeyOperations));
    }

    [Fact]
    public void RequestSecurity_FallsBackToClear_AfterTheWait_WhenThePeerIsSilent()
    {
        _a.Policy.Publish(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _linkUp = false;
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        Assert.True(_a.Controller.NextDue <= _time.GetUtcNow() + TimeSpan.FromSeconds(3));
        Advance(TimeSpan.FromMilliseconds(2999));
        Assert.DoesNotContain(_a.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        Advance(TimeSpan.FromMilliseconds(1));

        var soft = Assert.Single(_a.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        Assert.Equal(acquire.Binding, soft.Key);
        var audit = Assert.Single(_a.Audits, r => r.EventId == AuditEventId.SoftAssociation);
        Assert.Equal("192.0.2.2", Value(audit, "Peer IP Address"));
        Assert.Equal("<none>", Value(audit, "Negotiation Policy"));
        Assert.Equal(1, _a.Controller.Statistics().SoftAssociations);

        // Main Mode keeps trying until its retransmits run out; then the soft association stays, with no failure audited.
        for (var i = 0; i < 100 && _a.Controller.Statistics().PendingKeyOperations > 0; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, _a.Controller.Statistics().PendingKeyOperations);
        Assert.Equal(BindingStatus.Soft, Assert.Single(_a.DataPath.Bindings()).Status);
        Assert.DoesNotContain(_a.Audits, r => !r.Success);
    }

    [Fact]
    public void Acquire_HandledBeforeThePolicyChangeReachesIke_KeepsItsNegotiation_AndFallsBack()
    {
        // The data path swaps policies before IKE's policy work runs: an acquire of the new policy may come first.
        _linkUp = false;
        _a.Policy.Publish(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        _a.Controller.OnPolicyChanged();
        Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(acquire.Binding, Assert.Single(_a.DataPath.Bindings(), b => b.Status == BindingStatus.Soft).Key);
    }

    [Fact]
    public void Acquire_OfAPolicyNotYetPublished_WaitsForIt_AndOneOfAReplacedPolicyIsDropped()
    {
        _linkUp = false;
        var server = TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123");
        var early = PolicyIkeMappingTests.AcquireFor(server, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(early);
        Assert.Empty(_a.Outbox);
        Assert.Equal(0, _a.Controller.Statistics().PendingKeyOperations);

        _a.Policy.Publish(server);
        _a.Controller.OnPolicyChanged();
        Assert.NotEmpty(_a.Outbox);
        Assert.Equal(1, _a.Controller.Statistics().PendingKeyOperations);

        // Replaced by Secure Server before the fallback: the Server negotiation and a late acquire of it are forgotten.
        _a.Policy.Publish(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.SecureServer, TestPolicies.HostA, psk: "ABC123"));
        _a.Controller.OnAcquire(early);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, _a.Controller.Statistics().PendingKeyOperations);
        Assert.Empty(_a.DataPath.Bindings());
        Assert.DoesNotContain(_a.Audits, r => r.EventId == AuditEventId.SoftAssociation);
    }

    [Fact]
    public void RequestSecurity_NeverFallsBack_OnceThePeerAnswered_AndAFailureBlocksForOneMinute()
    {
        _a.Policy.Publish(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _b.Policy.Publish(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "OTHER9"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        Deliver();
        Advance(TimeSpan.FromSeconds(5));

        var blocked = Assert.Single(_a.DataPath.Bindings());
        Assert.Equal(BindingStatus.Blocked, blocked.Status);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(5) + TimeSpan.FromMinutes(1), blocked.Until);
        Assert.DoesNotContain(_a.Audits, r => r.EventId == AuditEventId.SoftAssociation);
        Assert.Contains(_a.Audits.Concat(_b.Audits), r => r.EventId == AuditEventId.PeerAuthenticationFailed);
        Assert.Equal(0, _a.Controller.InstalledPairs);

        Advance(TimeSpan.FromMinutes(1));
        _a.DataPath.Poll();
        Assert.Empty(_a.DataPath.Bindings());
    }

    [Fact]
    public void RequireSecurity_NeverFallsBack_AndBlocksWhenRetransmitsRunOut()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _linkUp = false;
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(_a.DataPath.Bindings());
        for (var i = 0; i < 100 && _a.Controller.NextDue is not null; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
        }

        var blocked = Assert.Single(_a.DataPath.Bindings());
        Assert.Equal(BindingStatus.Blocked, blocked.Status);
        var failure = Assert.Single(_a.Audits, r => r.EventId == AuditEventId.NegotiationFailed && Value(r, "Peer Answered") == "no" && Value(r, "Source IP Address") is null);
        Assert.Contains("did not answer", Value(failure, "Failure Reason"), StringComparison.Ordinal);
        Assert.Equal(0, _a.Controller.Statistics().SoftAssociations);
    }

    [Fact]
    public void NoCommonSecurityMethod_Audits546_AndBlocksTheInitiator()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, method: "medium"));
        _b.Policy.Publish(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, method: "high"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _a.Controller.OnAcquire(acquire);
        Deliver();
        for (var i = 0; i < 100 && _a.Controller.Statistics().PendingKeyOperations > 0; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
        }

        var refused = Assert.Single(_b.Audits, r => r.EventId == AuditEventId.InvalidProposal);
        Assert.Contains("NoProposalChosen", Value(refused, "Failure Reason"), StringComparison.Ordinal);
        Assert.Equal(BindingStatus.Blocked, Assert.Single(_a.DataPath.Bindings()).Status);
        Assert.Empty(_a.DataPath.Database.Snapshot());
        Assert.Equal(1, _a.Controller.Statistics().NegotiationFailures);
    }

    [Fact]
    public void IdleSa_IsDeleted_AndThePeerToldWithADelete()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _b.Policy.Publish(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _a.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        Deliver();
        Assert.Equal(1, _b.Controller.InstalledPairs);

        // What the data path reports after five quiet minutes (its own idle timing is tested in the data path).
        var inbound = _a.DataPath.Database.Snapshot().Single(sa => sa.Spec.Direction == Core.SecurityAssociations.SaDirection.Inbound);
        _a.Controller.OnLifetime(new SaLifetimeEvent(inbound, SaLifetimeEventKind.Idle));

        Deliver();
        Assert.Equal(0, _a.Controller.InstalledPairs);
        Assert.Equal(0, _b.Controller.InstalledPairs);
        Assert.Empty(_b.DataPath.Database.Snapshot());
        Assert.Contains(_b.Audits, r => r.EventId == AuditEventId.QuickModeEnded);
    }

    [Fact]
    public void SoftLifetime_RekeysWithNewSpis_WhileTheOldInboundSaLivesOn()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _b.Policy.Publish(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        var acquire = PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _a.Controller.OnAcquire(acquire);
        Deliver();
        Assert.True(_a.DataPath.Database.TryGetOutbound(acquire.Binding, out var first));

        _time.Advance(TimeSpan.FromSeconds(811));
        foreach (var lifetime in _a.DataPath.Poll())
        {
            _a.Controller.OnLifetime(lifetime);
        }

        Deliver();
        Assert.True(_a.DataPath.Database.TryGetOutbound(acquire.Binding, out var second));
        Assert.NotEqual(first.Spec.Spi, second.Spec.Spi);
        Assert.False(first.Spec.CipherKey.FixedTimeEquals(second.Spec.CipherKey) && first.Spec.IntegrityKey.FixedTimeEquals(second.Spec.IntegrityKey));
        Assert.Equal(1, _a.Controller.Statistics().Rekeys);
        Assert.Equal(2, _a.Controller.InstalledPairs);
    }

    [Fact]
    public void PolicyChange_DeletesTheSasOfARemovedRule_AndRestartForgetsEverything()
    {
        _a.Policy.Publish(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _b.Policy.Publish(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _a.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_a.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        Deliver();

        _a.Policy.Publish(AppliedPolicy.None);
        _a.Controller.OnPolicyChanged();
        Deliver();

        Assert.Equal(0, _a.Controller.InstalledPairs);
        Assert.Equal(0, _b.Controller.InstalledPairs);
        Assert.Empty(_a.DataPath.Database.Snapshot());

        _a.Controller.OnRestart();
        Assert.Empty(_a.Controller.Status().MainModes);
    }

    public void Dispose()
    {
        _a.Controller.Dispose();
        _b.Controller.Dispose();
    }

    private static string? Value(IkeAuditRecord record, string name) => record.Fields.FirstOrDefault(f => f.Name == name)?.Value;

    private void Advance(TimeSpan by)
    {
        _time.Advance(by);
        foreach (var host in new[] { _a, _b })
        {
            if (host.Controller.NextDue <= _time.GetUtcNow())
            {
                host.Controller.OnTimer();
            }
        }

        Deliver();
    }

    /// <summary>Delivers queued datagrams both ways until both sides are quiet.</summary>
    private void Deliver()
    {
        for (var round = 0; round < 100 && (_a.Outbox.Count > 0 || _b.Outbox.Count > 0); round++)
        {
            foreach (var (from, to) in new[] { (_a, _b), (_b, _a) })
            {
                var batch = from.Outbox.ToList();
                from.Outbox.Clear();
                foreach (var send in batch.Where(_ => _linkUp))
                {
                    to.Controller.OnDatagram(send.Datagram, send.Remote, send.Local);
                }
            }
        }
    }

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    private sealed class Host
    {
        public Host(IkeControllerTests test, IPAddress address)
        {
            // Idle after an hour, so the rekey test's quiet 811 s do not idle the SAs out (nothing sends through them here).
            DataPath = new DataPathEngine(new SecurityAssociationDatabase(test._time, IdleTimeout));
            Controller = new IkeController(DataPath, Policy, test._time, new IkeControllerOptions(), Outbox.Add, Audits.Add, NullLogger.Instance);
            Address = address;
        }

        public IPAddress Address { get; }

        public PolicyState Policy { get; } = new();

        public DataPathEngine DataPath { get; }

        public IkeController Controller { get; }

        public List<SendDatagram> Outbox { get; } = [];

        public List<IkeAuditRecord> Audits { get; } = [];
    }
}
