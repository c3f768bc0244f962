using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Auditing;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.Ike;

/// <summary>Two agents' IKE controllers talking in memory on one fake clock: the walkthrough's timing without sleeping.</summary>
public sealed class IkeControllerTests : IDisposable
{
    private readonly ControllerPair _net = new();

    [Fact]
    public void Acquire_NegotiatesBothSides_WithMatchingSpis_AndAudits541()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();

        Assert.True(_net.A.DataPath.Database.TryGetOutbound(acquire.Binding, out var outboundA));
        var bindingB = PolicyIkeMappingTests.AcquireFor(_net.B.Policy.Current, TestPolicies.HostB, TestPolicies.HostA).Binding;
        Assert.True(_net.B.DataPath.Database.TryGetOutbound(bindingB, out var outboundB));
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
        Assert.Equal(1, _net.B.Controller.InstalledPairs);
        var established = _net.A.Audits.Where(r => r.EventId == AuditEventId.SecurityAssociationEstablished).ToList();
        Assert.Equal(2, established.Count); // main mode and quick mode
        var quickMode = established.Single(r => Value(r, "InboundSpi") is not null);
        Assert.Equal(outboundB.Spec.Spi.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(quickMode, "InboundSpi"));
        Assert.Equal(outboundA.Spec.Spi.ToString(System.Globalization.CultureInfo.InvariantCulture), Value(quickMode, "OutboundSpi"));
        Assert.Equal("192.0.2.2", Value(quickMode, "Peer IP Address"));
        Assert.Equal("AH SHA-256".Split(' ')[1], Value(quickMode, "AH Algorithm"));
        var statistics = _net.A.Controller.Statistics();
        Assert.Equal((1, 1, 2, 0), (statistics.MainModes, statistics.QuickModes, statistics.KeyAdditions, statistics.PendingKeyOperations));
    }

    [Fact]
    public void RequestSecurity_FallsBackToClear_AfterTheWait_WhenThePeerIsSilent()
    {
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.LinkUp = false;
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(acquire);
        Assert.True(_net.A.Controller.NextDue <= _net.Time.GetUtcNow() + TimeSpan.FromSeconds(3));
        _net.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.DoesNotContain(_net.A.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        _net.Advance(TimeSpan.FromMilliseconds(1));

        var soft = Assert.Single(_net.A.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        Assert.Equal(acquire.Binding, soft.Key);
        var audit = Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
        Assert.Equal("192.0.2.2", Value(audit, "Peer IP Address"));
        Assert.Equal("<none>", Value(audit, "Negotiation Policy"));
        Assert.Equal(1, _net.A.Controller.Statistics().SoftAssociations);

        // Main Mode keeps trying until its retransmits run out; then the soft association stays, with no failure audited.
        for (var i = 0; i < 100 && _net.A.Controller.Statistics().PendingKeyOperations > 0; i++)
        {
            _net.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, _net.A.Controller.Statistics().PendingKeyOperations);
        Assert.Equal(BindingStatus.Soft, Assert.Single(_net.A.DataPath.Bindings()).Status);
        Assert.DoesNotContain(_net.A.Audits, r => !r.Success);
    }

    [Fact]
    public void Acquire_RaisedUnderAPolicyBeingReplaced_IsEvaluatedUnderTheNewOne_AndFallsBack()
    {
        // Raised under Partner (Require Security), handled after the change to Server (Request Security): Server decides.
        _net.LinkUp = false;
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        var stale = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        var current = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(stale);
        Assert.NotEmpty(_net.A.Outbox);
        Assert.Equal(1, _net.A.Controller.Statistics().PendingKeyOperations);
        _net.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(current.Binding, Assert.Single(_net.A.DataPath.Bindings(), b => b.Status == BindingStatus.Soft).Key);
        Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
    }

    [Fact]
    public void Acquire_RaisedUnderAPolicyReplacedByOneThatNegotiatesNothing_StartsNothing()
    {
        _net.LinkUp = false;
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        var stale = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _net.A.Assign(AppliedPolicy.None);

        _net.A.Controller.OnAcquire(stale);
        _net.Advance(TimeSpan.FromSeconds(3));

        Assert.Empty(_net.A.Outbox);
        Assert.Equal(0, _net.A.Controller.Statistics().PendingKeyOperations);
        Assert.Empty(_net.A.DataPath.Bindings());
        Assert.DoesNotContain(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
    }

    [Fact]
    public void RequestSecurity_NeverFallsBack_OnceThePeerAnswered_AndAFailureBlocksForOneMinute()
    {
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.B.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "OTHER9"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();
        _net.Advance(TimeSpan.FromSeconds(5));

        var blocked = Assert.Single(_net.A.DataPath.Bindings());
        Assert.Equal(BindingStatus.Blocked, blocked.Status);
        Assert.Equal(_net.Time.GetUtcNow() - TimeSpan.FromSeconds(5) + TimeSpan.FromMinutes(1), blocked.Until);
        Assert.DoesNotContain(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
        Assert.Contains(_net.A.Audits.Concat(_net.B.Audits), r => r.EventId == AuditEventId.PeerAuthenticationFailed);
        Assert.Equal(0, _net.A.Controller.InstalledPairs);

        _net.Advance(TimeSpan.FromMinutes(1));
        _net.A.DataPath.Poll();
        Assert.Empty(_net.A.DataPath.Bindings());
    }

    [Fact]
    public void RequireSecurity_NeverFallsBack_AndBlocksWhenRetransmitsRunOut()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.LinkUp = false;
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(acquire);
        _net.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(_net.A.DataPath.Bindings());
        for (var i = 0; i < 100 && _net.A.Controller.NextDue is not null; i++)
        {
            _net.Advance(TimeSpan.FromSeconds(1));
        }

        var blocked = Assert.Single(_net.A.DataPath.Bindings());
        Assert.Equal(BindingStatus.Blocked, blocked.Status);
        var failure = Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.NegotiationFailed && Value(r, "Peer Answered") == "no" && Value(r, "Source IP Address") is null);
        Assert.Contains("did not answer", Value(failure, "Failure Reason"), StringComparison.Ordinal);
        Assert.Equal(0, _net.A.Controller.Statistics().SoftAssociations);
    }

    [Fact]
    public void NoCommonSecurityMethod_Audits546_AndBlocksTheInitiator()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, method: "medium"));
        _net.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, method: "high"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);

        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();
        for (var i = 0; i < 100 && _net.A.Controller.Statistics().PendingKeyOperations > 0; i++)
        {
            _net.Advance(TimeSpan.FromSeconds(1));
        }

        var refused = Assert.Single(_net.B.Audits, r => r.EventId == AuditEventId.InvalidProposal);
        Assert.Contains("NoProposalChosen", Value(refused, "Failure Reason"), StringComparison.Ordinal);
        Assert.Equal(BindingStatus.Blocked, Assert.Single(_net.A.DataPath.Bindings()).Status);
        Assert.Empty(_net.A.DataPath.Database.Snapshot());
        Assert.Equal(1, _net.A.Controller.Statistics().NegotiationFailures);
    }

    [Fact]
    public void IdleSa_IsDeleted_AndThePeerToldWithADelete()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _net.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        _net.Deliver();
        Assert.Equal(1, _net.B.Controller.InstalledPairs);

        // What the data path reports after five quiet minutes (its own idle timing is tested in the data path).
        var inbound = _net.A.DataPath.Database.Snapshot().Single(sa => sa.Spec.Direction == Core.SecurityAssociations.SaDirection.Inbound);
        _net.A.Controller.OnLifetime(new SaLifetimeEvent(inbound, SaLifetimeEventKind.Idle));

        _net.Deliver();
        Assert.Equal(0, _net.A.Controller.InstalledPairs);
        Assert.Equal(0, _net.B.Controller.InstalledPairs);
        Assert.Empty(_net.B.DataPath.Database.Snapshot());
        Assert.Contains(_net.B.Audits, r => r.EventId == AuditEventId.QuickModeEnded);
    }

    [Fact]
    public void SoftLifetime_RekeysWithNewSpis_WhileTheOldInboundSaLivesOn()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();
        Assert.True(_net.A.DataPath.Database.TryGetOutbound(acquire.Binding, out var first));

        _net.Time.Advance(TimeSpan.FromSeconds(811));
        foreach (var lifetime in _net.A.DataPath.Poll())
        {
            _net.A.Controller.OnLifetime(lifetime);
        }

        _net.Deliver();
        Assert.True(_net.A.DataPath.Database.TryGetOutbound(acquire.Binding, out var second));
        Assert.NotEqual(first.Spec.Spi, second.Spec.Spi);
        Assert.False(first.Spec.CipherKey.FixedTimeEquals(second.Spec.CipherKey) && first.Spec.IntegrityKey.FixedTimeEquals(second.Spec.IntegrityKey));
        Assert.Equal(1, _net.A.Controller.Statistics().Rekeys);
        Assert.Equal(2, _net.A.Controller.InstalledPairs);
    }

    [Fact]
    public void PolicyChange_DeletesTheSasOfARemovedRule_AndRestartForgetsEverything()
    {
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _net.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        _net.Deliver();

        _net.A.Assign(AppliedPolicy.None);
        _net.Deliver();

        Assert.Equal(0, _net.A.Controller.InstalledPairs);
        Assert.Equal(0, _net.B.Controller.InstalledPairs);
        Assert.Empty(_net.A.DataPath.Database.Snapshot());

        _net.A.Controller.OnRestart();
        Assert.Empty(_net.A.Controller.Status().MainModes);
    }

    [Fact]
    public void PolicyChangeOfTheAuthenticationMethods_RetiresTheMainModes_OtherChangesKeepThem()
    {
        _net.Negotiate();
        Assert.Single(_net.A.Controller.Status().MainModes);

        // The same policy applied again (any store change does that): the Main Mode stays.
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _net.Deliver();
        Assert.Single(_net.A.Controller.Status().MainModes);

        // Another key: a Main Mode authenticated with the old one must not key new Quick Modes; the peer is told.
        _net.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, psk: "another key"));
        _net.Deliver();
        Assert.Empty(_net.A.Controller.Status().MainModes);
        Assert.Empty(_net.B.Controller.Status().MainModes);
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
    }

    public void Dispose() => _net.Dispose();

    private static string? Value(IkeAuditRecord record, string name) => record.Fields.FirstOrDefault(f => f.Name == name)?.Value;
}
