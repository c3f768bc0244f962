using System.Net;
using System.Security.Cryptography;
using System.Text;
using Rampart.Agent.Policy;
using Rampart.Core;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;
using DataPathSelector = Rampart.Core.SecurityAssociations.TrafficSelector;

namespace Rampart.Agent.Ike;

/// <summary>What IKE negotiates for one acquire: the peer (PSK, main mode methods), the proxy identities and the quick mode methods.</summary>
public sealed record IkeNegotiation(IkeV1PeerConfig Peer, IPEndPoint Local, ProxyIdentities Selector, QuickModePolicy QuickMode);

/// <summary>
/// Maps the applied policy to IKE: the initiator's negotiation for an acquire, the responder's peer and quick mode
/// lookups, and the data path binding an SA serves. Pure functions of the policy, so they are tested without sockets.
/// </summary>
public static class PolicyIkeMapping
{
    /// <summary>Why a rule's Kerberos method is skipped on a host that has not joined a realm.</summary>
    public const string NotJoined = "not joined to a Kerberos realm: rampart realm join REALM --kdc ADDR --keytab FILE";

    /// <summary>
    /// Builds the negotiation for an acquire; false with the reason (no usable authentication method: Kerberos without
    /// a realm joined (<paramref name="kerberosPrincipal"/> null), no usable certificate in <paramref name="certificates"/>;
    /// rule gone).
    /// </summary>
    public static bool TryMapAcquire(AppliedPolicy applied, Acquire acquire, out IkeNegotiation? negotiation, out string failure, HostCertificates? certificates = null, string? kerberosPrincipal = null)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(acquire);
        negotiation = null;
        if (applied.Policy is not { } policy || acquire.Rule.RuleIndex >= policy.Rules.Count
            || applied.Snapshot.FindFilterAction(policy.Rules[acquire.Rule.RuleIndex].FilterActionName) is not { } action)
        {
            failure = "the rule that raised the acquire is no longer in the assigned policy";
            return false;
        }

        var rule = policy.Rules[acquire.Rule.RuleIndex];
        if (!TryPeerConfig(policy, rule, acquire.PeerAddress, certificates, kerberosPrincipal, out var peer, out failure))
        {
            return false;
        }

        var filter = acquire.Filter;
        var protocol = filter.Protocol ?? 0;
        ProxyIdentities selector = rule.TunnelEndpoint is null
            ? new(ProxyIdentity.Host(acquire.LocalAddress, protocol, filter.SourcePort ?? 0), ProxyIdentity.Host(acquire.PeerAddress, protocol, filter.DestinationPort ?? 0))
            : new(Proxy(filter.Source, protocol, filter.SourcePort), Proxy(filter.Destination, protocol, filter.DestinationPort));
        var local = LocalFor(applied, acquire.LocalAddress, acquire.PeerAddress);
        negotiation = new IkeNegotiation(peer!, new IPEndPoint(local, IkePorts.Ike), selector, QuickMode(policy, rule, action));
        return true;
    }

    /// <summary>
    /// Responder: the peer configuration for an initiator's address: the first rule whose Negotiate filters cover
    /// the peer (or whose tunnel endpoint it is), else the default response rule with its own authentication methods
    /// (<c>policy set --default-response-auth</c>). Null when nothing answers this peer or no method of its rule is usable.
    /// </summary>
    public static IkeV1PeerConfig? FindPeer(AppliedPolicy applied, IPAddress remote, HostCertificates? certificates = null, string? kerberosPrincipal = null)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (applied.Policy is not { } policy)
        {
            return null;
        }

        var (value, isIPv6) = AddressPrefix.ToNumber(remote);
        foreach (var compiled in applied.Compiled.Rules)
        {
            var covers = compiled.Verdict == FilterVerdict.Negotiate
                && (compiled.TunnelEndpoint is { } endpoint ? endpoint.Equals(remote) : applied.Compiled.Filters.Filters.Any(f =>
                    f.RuleIndex == compiled.RuleIndex && f.IsIPv6 == isIPv6 && !f.IsMirrorImage && f.Destination.Contains(value)));
            if (covers && TryPeerConfig(policy, policy.Rules[compiled.RuleIndex], remote, certificates, kerberosPrincipal, out var peer, out _))
            {
                return peer;
            }
        }

        if (!policy.DefaultResponseRule)
        {
            return null;
        }

        return TryPeerConfig(policy, policy.EffectiveDefaultResponseRule, remote, certificates, kerberosPrincipal, out var responder, out _) ? responder : null;
    }

    /// <summary>
    /// Responder: the quick mode methods for a peer's proposed selector (seen from this host): the Negotiate rule
    /// whose filter covers it, else the default response rule's methods in transport mode; null = refuse.
    /// </summary>
    public static QuickModePolicy? FindQuickMode(AppliedPolicy applied, ProxyIdentities selector)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(selector);
        if (applied.Policy is not { } policy)
        {
            return null;
        }

        if (FindFilter(applied, selector) is { } filter
            && applied.Snapshot.FindFilterAction(policy.Rules[filter.RuleIndex].FilterActionName) is { } action)
        {
            return QuickMode(policy, policy.Rules[filter.RuleIndex], action);
        }

        return policy.DefaultResponseRule ? QuickMode(policy, policy.EffectiveDefaultResponseRule, DefaultResponse.FilterAction) : null;
    }

    /// <summary>The policy binding whose outbound packets an SA for <paramref name="selector"/> protects, or null (a selector SA).</summary>
    public static Binding? BindingFor(AppliedPolicy applied, ProxyIdentities selector)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(selector);
        if (FindFilter(applied, selector) is not { } filter)
        {
            return null;
        }

        var compiled = applied.Compiled.Rules.FirstOrDefault(r => r.RuleIndex == filter.RuleIndex);
        if (compiled?.TunnelEndpoint is { } endpoint)
        {
            var (tunnel, tunnelIsIPv6) = AddressPrefix.ToNumber(endpoint);
            return new Binding(filter.RuleIndex, filter.FilterIndex, UInt128.Zero, tunnel, tunnelIsIPv6);
        }

        if (!selector.Local.IsHost || !selector.Remote.IsHost)
        {
            return null;
        }

        var (local, isIPv6) = AddressPrefix.ToNumber(selector.Local.Network);
        var (remote, _) = AddressPrefix.ToNumber(selector.Remote.Network);
        return new Binding(filter.RuleIndex, filter.FilterIndex, local, remote, isIPv6);
    }

    /// <summary>The data path selector equivalent to an IKE selector, for SAs no policy filter covers.</summary>
    public static DataPathSelector ToDataPathSelector(ProxyIdentities selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new DataPathSelector(
            Prefix(selector.Local),
            Prefix(selector.Remote),
            selector.Local.Protocol == 0 ? null : selector.Local.Protocol,
            selector.Local.Port == 0 ? null : selector.Local.Port,
            selector.Remote.Port == 0 ? null : selector.Remote.Port);
    }

    /// <summary>The Negotiate filter an outbound packet of the selector (its first addresses) would match.</summary>
    private static PacketFilter? FindFilter(AppliedPolicy applied, ProxyIdentities selector)
    {
        var (local, isIPv6) = AddressPrefix.ToNumber(selector.Local.Network);
        var (remote, remoteIsIPv6) = AddressPrefix.ToNumber(selector.Remote.Network);
        if (isIPv6 != remoteIsIPv6)
        {
            return null;
        }

        var flow = new FlowKey(local, remote, isIPv6, selector.Local.Protocol, selector.Local.Port, selector.Remote.Port);
        var decision = applied.Compiled.Filters.Classify(flow, TrafficDirection.Outbound);
        return decision.Filter is { Verdict: FilterVerdict.Negotiate } filter && filter.RuleIndex < (applied.Policy?.Rules.Count ?? 0) ? filter : null;
    }

    /// <summary>
    /// The peer configuration with the rule's usable authentication methods in its order: each pre-shared key, and
    /// each contiguous run of <c>cert:CA</c> methods as one certificate method, <c>kerberos</c> as Kerberos with our
    /// principal. Kerberos is skipped when the host has joined no realm, as is a certificate run without a usable
    /// certificate; false with the reasons when nothing is left.
    /// </summary>
    private static bool TryPeerConfig(IpsecPolicy policy, Rule rule, IPAddress remote, HostCertificates? certificates, string? kerberosPrincipal, out IkeV1PeerConfig? peer, out string failure)
    {
        peer = null;
        var methods = new List<IkeAuthentication>();
        var refusals = new List<string>();
        var methodsInRule = rule.AuthenticationMethods;
        for (var i = 0; i < methodsInRule.Count; i++)
        {
            switch (methodsInRule[i])
            {
                case AuthenticationMethod.PreSharedKey { Secret.Length: > 0 } psk:
                    var key = Encoding.UTF8.GetBytes(psk.Secret);
                    methods.Add(new IkePreSharedKey(key));
                    CryptographicOperations.ZeroMemory(key);
                    break;
                case AuthenticationMethod.Certificate:
                    var run = methodsInRule.Skip(i).TakeWhile(m => m is AuthenticationMethod.Certificate).Cast<AuthenticationMethod.Certificate>().ToList();
                    i += run.Count - 1;
                    if (certificates is null)
                    {
                        refusals.Add("certificate authentication is not available to this agent");
                    }
                    else if (certificates.TryMap(run, out var authentication, out var refusal))
                    {
                        methods.Add(authentication!);
                    }
                    else
                    {
                        refusals.Add(refusal);
                    }

                    break;
                case AuthenticationMethod.KerberosMethod when kerberosPrincipal is null:
                    refusals.Add(NotJoined);
                    break;
                case AuthenticationMethod.KerberosMethod when !methods.OfType<IkeKerberosAuthentication>().Any():
                    methods.Add(new IkeKerberosAuthentication { LocalPrincipal = kerberosPrincipal });
                    break;
            }
        }

        if (methods.Count == 0)
        {
            failure = methodsInRule.Count == 0 ? "the rule has no authentication method" : string.Join("; ", refusals);
            return false;
        }

        var keyExchange = policy.KeyExchange;
        var lifetime = TimeSpan.FromMinutes(keyExchange.MainModeLifetimeMinutes);
        peer = new IkeV1PeerConfig(remote, methods, [.. keyExchange.Methods.Select(m => new IkeProposal(m.Cipher, m.Integrity, m.Group, lifetime))])
        {
            QuickModesPerMainMode = keyExchange.MasterKeyPfs ? 1 : keyExchange.QuickModesPerMainMode,
        };
        foreach (var method in methods)
        {
            // The configuration holds its own copies of the keys.
            method.Dispose();
        }

        failure = "";
        return true;
    }

    private static QuickModePolicy QuickMode(IpsecPolicy policy, Rule rule, FilterAction action)
    {
        var proposals = action.SecurityMethods.Select(m => new IpsecProposal(
            m.Protocol,
            m.Protocol == SaProtocol.Esp ? m.Cipher ?? Core.Algorithms.CipherAlgorithm.Null : Core.Algorithms.CipherAlgorithm.Null,
            m.Integrity,
            m.LifetimeSeconds,
            m.LifetimeKilobytes));
        var pfs = action.SessionKeyPfs && policy.KeyExchange.Methods.Count > 0 ? policy.KeyExchange.Methods[0].Group : Core.Algorithms.DhGroup.None;
        return new QuickModePolicy([.. proposals], pfs, rule.TunnelEndpoint is null ? SaMode.Transport : SaMode.Tunnel);
    }

    /// <summary>A proxy identity as a prefix; host bits a peer set past the prefix are cleared (IPNetwork would throw).</summary>
    private static AddressPrefix Prefix(ProxyIdentity proxy)
    {
        var (value, isIPv6) = AddressPrefix.ToNumber(proxy.Network);
        var length = (byte)proxy.PrefixLength;
        return new AddressPrefix(value & AddressPrefix.MaskFor(length, isIPv6), length, isIPv6);
    }

    private static ProxyIdentity Proxy(AddressPrefix prefix, byte protocol, ushort? port) =>
        new(AddressPrefix.ToAddress(prefix.Address, prefix.IsIPv6), prefix.Length, protocol, port ?? 0);

    /// <summary>Our IKE address: the packet's source when it is ours, else our first address of the peer's family.</summary>
    private static IPAddress LocalFor(AppliedPolicy applied, IPAddress packetSource, IPAddress peer) =>
        applied.Host.Unicast.Contains(packetSource)
            ? packetSource
            : applied.Host.Unicast.FirstOrDefault(a => a.AddressFamily == peer.AddressFamily) ?? packetSource;
}
