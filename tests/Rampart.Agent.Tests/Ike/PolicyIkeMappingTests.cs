using System.Net;
using System.Text;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Algorithms;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;

namespace Rampart.Agent.Tests.Ike;

public class PolicyIkeMappingTests
{
    [Fact]
    public void Partner_Acquire_MapsPskMainModeMethodsAndMediumToAh()
    {
        var applied = TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB);

        Assert.True(PolicyIkeMapping.TryMapAcquire(applied, AcquireFor(applied, TestPolicies.HostA, TestPolicies.HostB), out var negotiation, out var failure), failure);

        Assert.Equal(TestPolicies.HostB, negotiation!.Peer.RemoteAddress);
        Assert.Equal("ABC123"u8.ToArray(), negotiation.Peer.PreSharedKey.ToArray());
        Assert.Equal(
            [new IkeProposal(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromMinutes(480)), new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromMinutes(480))],
            negotiation.Peer.IkeProposals);
        var method = Assert.Single(negotiation.QuickMode.Proposals);
        Assert.Equal(new IpsecProposal(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, PolicyDefaults.QuickModeLifetimeKilobytes), method);
        Assert.Equal(DhGroup.None, negotiation.QuickMode.PfsGroup);
        Assert.Equal(SaMode.Transport, negotiation.QuickMode.Mode);
        Assert.Equal(new ProxyIdentities(ProxyIdentity.Host(TestPolicies.HostA), ProxyIdentity.Host(TestPolicies.HostB)), negotiation.Selector);
        Assert.Equal(new IPEndPoint(TestPolicies.HostA, 500), negotiation.Local);
        Assert.DoesNotContain("ABC123", negotiation.Peer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SessionKeyPfs_UsesTheFirstMainModeGroup_AndHighKeepsItsOrder()
    {
        var applied = TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, method: "high", pfs: true);

        Assert.True(PolicyIkeMapping.TryMapAcquire(applied, AcquireFor(applied, TestPolicies.HostA, TestPolicies.HostB), out var negotiation, out _));

        Assert.Equal(DhGroup.Ecp256, negotiation!.QuickMode.PfsGroup);
        Assert.Equal([CipherAlgorithm.AesGcm128, CipherAlgorithm.AesCbc128], negotiation.QuickMode.Proposals.Select(p => p.Cipher));
        Assert.All(negotiation.QuickMode.Proposals, p => Assert.Equal(SaProtocol.Esp, p.Protocol));
    }

    [Fact]
    public void TunnelRule_NegotiatesTunnelModeWithThePeerEndpoint()
    {
        var endpoint = IPAddress.Parse("203.0.113.9");
        var applied = TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, tunnel: endpoint);

        Assert.True(PolicyIkeMapping.TryMapAcquire(applied, AcquireFor(applied, TestPolicies.HostA, TestPolicies.HostB, peer: endpoint), out var negotiation, out _));

        Assert.Equal(SaMode.Tunnel, negotiation!.QuickMode.Mode);
        Assert.Equal(endpoint, negotiation.Peer.RemoteAddress);
        Assert.Equal(new BindingExpectation(0, endpoint), BindingExpectation.Of(PolicyIkeMapping.BindingFor(applied, negotiation.Selector)));
        Assert.Same(negotiation.Peer.GetType(), PolicyIkeMapping.FindPeer(applied, endpoint)!.GetType());
    }

    [Fact]
    public void ServerWithPsk_AnswersAnyPeer_WithHighThenMedium()
    {
        var applied = TestPolicies.BuiltIn(BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123");
        var selector = new ProxyIdentities(ProxyIdentity.Host(TestPolicies.HostA), ProxyIdentity.Host(TestPolicies.HostB));

        var peer = PolicyIkeMapping.FindPeer(applied, TestPolicies.HostB);
        var quickMode = PolicyIkeMapping.FindQuickMode(applied, selector);

        Assert.Equal("ABC123"u8.ToArray(), peer!.PreSharedKey.ToArray());
        Assert.Equal(3, quickMode!.Proposals.Count);
        Assert.Equal(SaProtocol.Ah, quickMode.Proposals[2].Protocol);
        var binding = PolicyIkeMapping.BindingFor(applied, selector);
        Assert.NotNull(binding);
        Assert.Equal(0, binding!.Value.RuleIndex);
    }

    [Fact]
    public void SecureServerWithKerberos_NotJoined_FailsWithTheRealmJoinHint()
    {
        var applied = TestPolicies.BuiltIn(BuiltInPolicies.SecureServer, TestPolicies.HostA);

        Assert.False(PolicyIkeMapping.TryMapAcquire(applied, AcquireFor(applied, TestPolicies.HostA, TestPolicies.HostB), out _, out var failure));

        Assert.Equal(PolicyIkeMapping.NotJoined, failure);
        Assert.StartsWith("not joined to a Kerberos realm: rampart realm join ", failure, StringComparison.Ordinal);
        Assert.Null(PolicyIkeMapping.FindPeer(applied, TestPolicies.HostB));
    }

    [Fact]
    public void SecureServerWithKerberos_Joined_NegotiatesKerberosWithOurPrincipal_AndAnswersPeers()
    {
        const string principal = "host/a.rampart.test@RAMPART.TEST";
        var applied = TestPolicies.BuiltIn(BuiltInPolicies.SecureServer, TestPolicies.HostA);

        Assert.True(PolicyIkeMapping.TryMapAcquire(applied, AcquireFor(applied, TestPolicies.HostA, TestPolicies.HostB), out var negotiation, out var failure, kerberosPrincipal: principal), failure);

        var kerberos = Assert.IsType<IkeKerberosAuthentication>(Assert.Single(negotiation!.Peer.AuthenticationMethods));
        Assert.Equal(principal, kerberos.LocalPrincipal);
        var responder = PolicyIkeMapping.FindPeer(applied, TestPolicies.HostB, kerberosPrincipal: principal);
        Assert.IsType<IkeKerberosAuthentication>(Assert.Single(responder!.AuthenticationMethods));
    }

    [Fact]
    public void Client_Joined_AnswersStrangersWithKerberos_TheDefaultResponseMethod()
    {
        var applied = TestPolicies.BuiltIn(BuiltInPolicies.Client, TestPolicies.HostA);

        Assert.Null(PolicyIkeMapping.FindPeer(applied, TestPolicies.HostB));
        var peer = PolicyIkeMapping.FindPeer(applied, TestPolicies.HostB, kerberosPrincipal: "host/a.rampart.test@RAMPART.TEST");
        Assert.IsType<IkeKerberosAuthentication>(Assert.Single(peer!.AuthenticationMethods));
    }

    [Fact]
    public void Client_AnswersWithTheDefaultResponseMethods_AndInstallsSelectorSas()
    {
        var applied = TestPolicies.BuiltIn(BuiltInPolicies.Client, TestPolicies.HostA);
        var selector = new ProxyIdentities(ProxyIdentity.Host(TestPolicies.HostA), ProxyIdentity.Host(TestPolicies.HostB));

        var quickMode = PolicyIkeMapping.FindQuickMode(applied, selector);

        Assert.Equal(DefaultResponse.FilterAction.SecurityMethods.Count, quickMode!.Proposals.Count);
        Assert.Equal(SaMode.Transport, quickMode.Mode);
        Assert.Null(PolicyIkeMapping.BindingFor(applied, selector));
        Assert.DoesNotContain(applied.Compiled.Filters.Filters, f => f.Verdict == FilterVerdict.Negotiate);
    }

    [Fact]
    public void NoPolicy_AnswersNobody()
    {
        var selector = new ProxyIdentities(ProxyIdentity.Host(TestPolicies.HostA), ProxyIdentity.Host(TestPolicies.HostB));

        Assert.Null(PolicyIkeMapping.FindPeer(AppliedPolicy.None, TestPolicies.HostB));
        Assert.Null(PolicyIkeMapping.FindQuickMode(AppliedPolicy.None, selector));
    }

    [Fact]
    public void PartnerResponder_FindsThePeersRule_AndTheSameBindingAsItsOwnPackets()
    {
        var applied = TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, psk: "ABC123");
        var selector = new ProxyIdentities(ProxyIdentity.Host(TestPolicies.HostB), ProxyIdentity.Host(TestPolicies.HostA));

        var peer = PolicyIkeMapping.FindPeer(applied, TestPolicies.HostA);
        var binding = PolicyIkeMapping.BindingFor(applied, selector);

        Assert.Equal(Encoding.UTF8.GetBytes("ABC123"), peer!.PreSharedKey.ToArray());
        var stranger = IPAddress.Parse("198.51.100.7");
        // The default response rule answers strangers with its own methods: Kerberos by default (no realm joined here:
        // no answer), or the pre-shared key an administrator gave it; never a key borrowed from another rule.
        Assert.Null(PolicyIkeMapping.FindPeer(applied, stranger));
        var withKey = applied with { Policy = applied.Policy! with { DefaultResponseAuthentication = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("XYZ789")) } };
        Assert.Equal(Encoding.UTF8.GetBytes("XYZ789"), PolicyIkeMapping.FindPeer(withKey, stranger)!.PreSharedKey.ToArray());
        Assert.Null(PolicyIkeMapping.FindPeer(withKey with { Policy = withKey.Policy! with { DefaultResponseRule = false } }, stranger));
        Assert.Equal(AcquireFor(applied, TestPolicies.HostB, TestPolicies.HostA).Binding, binding);
    }

    /// <summary>The acquire the data path raises for a packet from <paramref name="local"/> to <paramref name="remote"/>.</summary>
    internal static Acquire AcquireFor(AppliedPolicy applied, IPAddress local, IPAddress remote, IPAddress? peer = null)
    {
        var (source, isIPv6) = AddressPrefix.ToNumber(local);
        var (destination, _) = AddressPrefix.ToNumber(remote);
        var flow = new FlowKey(source, destination, isIPv6, 1, 0, 0);
        var filter = applied.Compiled.Filters.Classify(flow, TrafficDirection.Outbound).Filter!;
        var rule = applied.Compiled.Rules[filter.RuleIndex];
        var binding = rule.TunnelEndpoint is { } endpoint
            ? new Rampart.DataPath.Database.Binding(filter.RuleIndex, filter.FilterIndex, UInt128.Zero, AddressPrefix.ToNumber(endpoint).Value, false)
            : new Rampart.DataPath.Database.Binding(filter.RuleIndex, filter.FilterIndex, source, destination, isIPv6);
        return new Acquire(binding, applied.Compiled, rule, filter, flow, local, peer ?? remote, DateTimeOffset.UnixEpoch);
    }

    private sealed record BindingExpectation(int RuleIndex, IPAddress Remote)
    {
        public static BindingExpectation? Of(Rampart.DataPath.Database.Binding? key) =>
            key is { } k ? new(k.RuleIndex, AddressPrefix.ToAddress(k.Remote, k.IsIPv6)) : null;
    }
}
