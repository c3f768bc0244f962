using System.Net;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;

namespace Rampart.Core.Tests.Filtering;

public class FilterCompilerTests
{
    private static readonly IPAddress[] Me = [IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")];

    private static PolicySnapshot Partner(bool mirrored = true, string destination = "192.0.2.2")
    {
        var snapshot = BuiltInPolicies.Snapshot;
        Assert.True(AddressSpec.TryParse(destination, out var partner, out _));
        var list = new FilterList("Partner Filter", "", EquatableList.Of(new Filter(AddressSpec.Me, partner, Mirrored: mirrored)));
        var action = new FilterAction("Partner Filter Action", "", FilterActionKind.Negotiate, SecurityMethod.Medium);
        var rule = new Rule(list.Name, action.Name, EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("ABC123")));
        var policy = IpsecPolicy.Create("Partner", defaultResponseRule: false) with { Rules = EquatableList.Of(rule) };
        return snapshot.WithFilterList(list).WithFilterAction(action).WithPolicy(policy) with { AssignedPolicyName = "Partner" };
    }

    private static FlowKey Flow(string source, string destination, byte protocol = 1, ushort sourcePort = 0, ushort destinationPort = 0) => new(
        AddressPrefix.ToNumber(IPAddress.Parse(source)).Value, AddressPrefix.ToNumber(IPAddress.Parse(destination)).Value,
        IPAddress.Parse(source).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6, protocol, sourcePort, destinationPort);

    [Fact]
    public void Compile_NothingAssigned_IsNone()
    {
        var compiled = FilterCompiler.Compile(BuiltInPolicies.Snapshot, Me, null, _ => [], out _);
        Assert.Same(CompiledPolicy.None, compiled);
        Assert.False(compiled.IsAssigned);
    }

    [Fact]
    public void Compile_MirroredPartnerFilter_MatchesBothDirectionsAndOnlyThePartner()
    {
        var compiled = FilterCompiler.Compile(Partner(), Me, null, _ => [], out var warnings);
        Assert.Empty(warnings);
        Assert.Equal("Partner", compiled.PolicyName);
        Assert.False(compiled.DefaultResponse);
        Assert.Equal(2, compiled.Filters.Filters.Count); // me(v4) -> partner and its mirror; me(v6) has no IPv4 partner
        Assert.Equal(FilterVerdict.Negotiate, compiled.Filters.Classify(Flow("192.0.2.1", "192.0.2.2"), TrafficDirection.Outbound).Filter!.Verdict);
        Assert.Equal(FilterVerdict.Negotiate, compiled.Filters.Classify(Flow("192.0.2.2", "192.0.2.1"), TrafficDirection.Outbound).Filter!.Verdict);
        Assert.Equal(FilterDecisionKind.NoMatch, compiled.Filters.Classify(Flow("192.0.2.1", "192.0.2.3"), TrafficDirection.Outbound).Kind);
        var rule = Assert.Single(compiled.Rules);
        Assert.False(rule.AcceptUnsecured);
        Assert.False(rule.AllowFallbackToClear);
        Assert.Equal("Partner Filter Action", rule.FilterActionName);
    }

    [Fact]
    public void Compile_OneWayFilter_MatchesOnlyItsDirection()
    {
        var snapshot = Partner(mirrored: false);
        var action = snapshot.FindFilterAction("Partner Filter Action")! with { Kind = FilterActionKind.Block };
        var compiled = FilterCompiler.Compile(snapshot.WithFilterAction(action), Me, null, _ => [], out _);
        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("192.0.2.1", "192.0.2.2"), TrafficDirection.Outbound).Filter!.Verdict);
        Assert.Equal(FilterDecisionKind.NoMatch, compiled.Filters.Classify(Flow("192.0.2.2", "192.0.2.1"), TrafficDirection.Outbound).Kind);
    }

    [Fact]
    public void Compile_DnsName_IsResolvedAtAssignment_AndAnUnresolvedNameIsReported()
    {
        var resolved = FilterCompiler.Compile(Partner(destination: "partner.example"), Me, null, name => name == "partner.example" ? [IPAddress.Parse("198.51.100.9")] : [], out var none);
        Assert.Empty(none);
        Assert.Equal(FilterVerdict.Negotiate, resolved.Filters.Classify(Flow("192.0.2.1", "198.51.100.9"), TrafficDirection.Outbound).Filter!.Verdict);

        var unresolved = FilterCompiler.Compile(Partner(destination: "gone.example"), Me, null, _ => [], out var warnings);
        Assert.Contains("gone.example", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal(new UnresolvedName("gone.example", "Partner Filter", 1, FailsClosed: true), Assert.Single(unresolved.UnresolvedNames));
        Assert.DoesNotContain(unresolved.Filters.Filters, f => f.Verdict == FilterVerdict.Negotiate);
    }

    [Fact]
    public void Compile_UnresolvedNameOfANegotiateFilter_BlocksTraffic_ThatNoFilterWouldOtherwiseMatch()
    {
        var compiled = FilterCompiler.Compile(Partner(destination: "gone.example"), Me, null, _ => [], out _);

        // Whatever address the name would have had, nothing from me goes out (or comes in) in clear.
        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.9"), TrafficDirection.Outbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("198.51.100.9", "192.0.2.1"), TrafficDirection.Inbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("2001:db8::1", "2001:db8::9"), TrafficDirection.Outbound).Filter?.Verdict);

        // DNS still goes out, so the name can resolve.
        Assert.Equal(FilterVerdict.Permit, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.53", FlowKey.Udp, destinationPort: 53), TrafficDirection.Outbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Permit, compiled.Filters.Classify(Flow("198.51.100.53", "192.0.2.1", FlowKey.Udp, sourcePort: 53), TrafficDirection.Inbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.53", FlowKey.Udp, destinationPort: 54), TrafficDirection.Outbound).Filter?.Verdict);
    }

    [Fact]
    public void Compile_UnresolvedNameOfANegotiateFilter_IsNotOverriddenByABroaderPermit_ButMoreSpecificFiltersStillWin()
    {
        var partner = Partner(destination: "gone.example");
        var servers = new FilterList("Servers", "", EquatableList.Of(new Filter(AddressSpec.Me, Address("198.51.100.80"), Protocol: FlowKey.Tcp, DestinationPort: 80)));
        var policy = partner.AssignedPolicy! with
        {
            Rules = EquatableList.Of(
                partner.AssignedPolicy!.Rules[0],
                new Rule(BuiltInPolicies.AllIpTraffic, BuiltInPolicies.Permit, EquatableList.Empty<AuthenticationMethod>()),
                new Rule(servers.Name, BuiltInPolicies.Permit, EquatableList.Empty<AuthenticationMethod>())),
        };
        var snapshot = partner.WithFilterList(servers).WithPolicy(policy);

        var compiled = FilterCompiler.Compile(snapshot, Me, null, _ => [], out _);

        Assert.Equal(FilterVerdict.Block, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.9"), TrafficDirection.Outbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Permit, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.80", FlowKey.Tcp, destinationPort: 80), TrafficDirection.Outbound).Filter?.Verdict);
        var resolved = FilterCompiler.Compile(snapshot, Me, null, _ => [IPAddress.Parse("198.51.100.9")], out _);
        Assert.Empty(resolved.UnresolvedNames);
        Assert.Equal(FilterVerdict.Negotiate, resolved.Filters.Classify(Flow("192.0.2.1", "198.51.100.9"), TrafficDirection.Outbound).Filter?.Verdict);
        Assert.Equal(FilterVerdict.Permit, resolved.Filters.Classify(Flow("192.0.2.1", "198.51.100.10"), TrafficDirection.Outbound).Filter?.Verdict);
    }

    [Fact]
    public void Compile_UnresolvedNameOfAPermitFilter_MatchesNothing()
    {
        var list = new FilterList("Web", "", EquatableList.Of(new Filter(AddressSpec.Me, Address("web.example"))));
        var policy = IpsecPolicy.Create("Open", defaultResponseRule: false) with
        {
            Rules = EquatableList.Of(new Rule(list.Name, BuiltInPolicies.Permit, EquatableList.Empty<AuthenticationMethod>())),
        };
        var snapshot = BuiltInPolicies.Snapshot.WithFilterList(list).WithPolicy(policy) with { AssignedPolicyName = "Open" };

        var compiled = FilterCompiler.Compile(snapshot, Me, null, _ => [], out _);

        Assert.Empty(compiled.Filters.Filters);
        Assert.False(Assert.Single(compiled.UnresolvedNames).FailsClosed);
    }

    private static AddressSpec Address(string text)
    {
        Assert.True(AddressSpec.TryParse(text, out var spec, out var error), error);
        return spec;
    }

    [Fact]
    public void Compile_SecureServer_SecuresPingBothWaysOnBothFamilies_ButNeverIke()
    {
        var snapshot = BuiltInPolicies.Snapshot with { AssignedPolicyName = BuiltInPolicies.SecureServer };
        var compiled = FilterCompiler.Compile(snapshot, Me, null, _ => [], out _);
        Assert.True(compiled.DefaultResponse);
        Assert.Equal(FilterVerdict.Negotiate, compiled.Filters.Classify(Flow("192.0.2.1", "198.51.100.7"), TrafficDirection.Outbound).Filter!.Verdict);
        Assert.Equal(FilterVerdict.Negotiate, compiled.Filters.Classify(Flow("2001:db8::1", "2001:db8::7", 58), TrafficDirection.Outbound).Filter!.Verdict);
        var ike = new FlowKey(AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.1")).Value, AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.2")).Value, false, 17, 500, 500);
        Assert.Equal(FilterDecisionKind.Exempt, compiled.Filters.Classify(ike, TrafficDirection.Outbound).Kind);
    }
}
