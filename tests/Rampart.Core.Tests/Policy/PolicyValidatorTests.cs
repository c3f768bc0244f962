using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Tests.Policy;

public class PolicyValidatorTests
{
    private static readonly AuthenticationMethod Psk = new AuthenticationMethod.PreSharedKey("ABC123");

    [Fact]
    public void PartnerPolicy_IsValid() => Assert.Empty(PolicyValidator.Validate(TestPolicies.Partner()));

    [Fact]
    public void BlankPreSharedKey_IsRejected()
    {
        var snapshot = WithPartnerRule(r => r with { AuthenticationMethods = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("  ")) });
        AssertSingleError(snapshot, "policy 'Partner' rule 1: the pre-shared key is blank");
    }

    [Fact]
    public void OneWayFilter_InNegotiatingRule_IsRejected()
    {
        var snapshot = TestPolicies.Partner();
        var list = snapshot.FindFilterList("Partner Filter")!;
        snapshot = snapshot.WithFilterList(list with { Filters = EquatableList.Of(list.Filters[0] with { Mirrored = false }) });
        AssertSingleError(snapshot, "one-way IPsec protection is not allowed");
    }

    [Fact]
    public void OneWayFilter_InPermitRule_IsAllowed()
    {
        var snapshot = TestPolicies.Partner()
            .WithFilterList(new FilterList("Out", "", EquatableList.Of(new Filter(AddressSpec.Me, AddressSpec.Any, Mirrored: false))));
        snapshot = snapshot.WithPolicy(snapshot.FindPolicy("Partner")! with
        {
            Rules = snapshot.FindPolicy("Partner")!.Rules.Append(new Rule("Out", "Permit", EquatableList.Empty<AuthenticationMethod>())).ToEquatableList(),
        });
        Assert.Empty(PolicyValidator.Validate(snapshot));
    }

    [Fact]
    public void TwoRules_NeedingDifferentAuthenticationBetweenSameHosts_AreRejected()
    {
        // Partner (psk) covers me <-> 192.0.2.2; All IP Traffic (kerberos) covers me <-> any: the same pair of hosts.
        var snapshot = TestPolicies.Partner();
        var policy = snapshot.FindPolicy("Partner")!;
        snapshot = snapshot.WithPolicy(policy with
        {
            Rules = policy.Rules.Append(new Rule("All IP Traffic", "Require Security", EquatableList.Of(AuthenticationMethod.Kerberos))).ToEquatableList(),
        });
        AssertSingleError(snapshot, "rules 1 and 2 need different authentication methods (psk:******** vs kerberos) between the same pair of hosts");
    }

    [Fact]
    public void TwoRules_WithDifferentAuthenticationForDifferentHosts_AreAllowed()
    {
        var snapshot = TestPolicies.Partner()
            .WithFilterList(new FilterList("Other", "", EquatableList.Of(new Filter(AddressSpec.Me, Host("198.51.100.7")))));
        var policy = snapshot.FindPolicy("Partner")!;
        snapshot = snapshot.WithPolicy(policy with
        {
            Rules = policy.Rules.Append(new Rule("Other", "Require Security", EquatableList.Of(AuthenticationMethod.Kerberos))).ToEquatableList(),
        });
        Assert.Empty(PolicyValidator.Validate(snapshot));
    }

    [Fact]
    public void MirroredFilterInReverse_OverlapsSameHostPair()
    {
        var snapshot = TestPolicies.Partner()
            .WithFilterList(new FilterList("Reverse", "", EquatableList.Of(new Filter(Host("192.0.2.2"), AddressSpec.Me))));
        var policy = snapshot.FindPolicy("Partner")!;
        snapshot = snapshot.WithPolicy(policy with
        {
            Rules = policy.Rules.Append(new Rule("Reverse", "Partner Filter Action", EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey("other")))).ToEquatableList(),
        });
        AssertSingleError(snapshot, "between the same pair of hosts");
    }

    [Fact]
    public void CertificateMethods_NotContiguous_AreRejected()
    {
        var snapshot = WithPartnerRule(r => r with
        {
            AuthenticationMethods = EquatableList.Of<AuthenticationMethod>(
                new AuthenticationMethod.Certificate("CA One"), Psk, new AuthenticationMethod.Certificate("CA Two")),
        });
        AssertSingleError(snapshot, "certificate methods must be contiguous");
    }

    [Fact]
    public void CertificateMethods_Contiguous_AreAllowed()
    {
        var snapshot = WithPartnerRule(r => r with
        {
            AuthenticationMethods = EquatableList.Of<AuthenticationMethod>(
                Psk, new AuthenticationMethod.Certificate("CA One"), new AuthenticationMethod.Certificate("CA Two"), AuthenticationMethod.Kerberos),
        });
        Assert.Empty(PolicyValidator.Validate(snapshot));
    }

    [Fact]
    public void NegotiatingRule_WithoutAuthentication_IsRejected() =>
        AssertSingleError(WithPartnerRule(r => r with { AuthenticationMethods = EquatableList.Empty<AuthenticationMethod>() }), "needs at least one authentication method");

    [Fact]
    public void TunnelEndpoint_WithPermitAction_IsRejected() =>
        AssertSingleError(
            WithPartnerRule(r => r with { FilterActionName = "Permit", TunnelEndpoint = IPAddress.Parse("203.0.113.1") }),
            "a tunnel endpoint needs an action that negotiates security ('Permit' is permit)");

    [Fact]
    public void TunnelEndpoint_WithNegotiateAction_IsAllowed() =>
        Assert.Empty(PolicyValidator.Validate(WithPartnerRule(r => r with { TunnelEndpoint = IPAddress.Parse("203.0.113.1") })));

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(50)]
    public void Port_WithProtocolOtherThanTcpOrUdp_IsRejected(int? protocol)
    {
        var list = new FilterList("Ports", "", EquatableList.Of(new Filter(AddressSpec.Me, AddressSpec.Any, (byte?)protocol, DestinationPort: 80)));
        var errors = PolicyValidator.ValidateFilterList(list).ToList();
        Assert.Contains(errors, e => e.Contains("filter list 'Ports' filter 1: a port needs protocol tcp or udp", StringComparison.Ordinal));
    }

    [Fact]
    public void Port_WithTcp_IsAllowed() =>
        Assert.Empty(PolicyValidator.ValidateFilterList(new FilterList("Web", "", EquatableList.Of(new Filter(AddressSpec.Me, AddressSpec.Any, Filter.Tcp, DestinationPort: 443)))));

    [Fact]
    public void UnknownFilterListInRule_SuggestsClosestName() =>
        AssertSingleError(WithPartnerRule(r => r with { FilterListName = "Partner Filtr" }), "no filter list named 'Partner Filtr'; did you mean 'Partner Filter'?");

    [Fact]
    public void UnknownFilterActionInRule_SuggestsClosestName() =>
        AssertSingleError(WithPartnerRule(r => r with { FilterActionName = "Partner Action" }), "no filter action named 'Partner Action'; did you mean 'Partner Filter Action'?");

    [Theory]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.Sha256, "aes-gcm-128 is an AEAD cipher and provides its own integrity")]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.None, "aes-cbc-128 needs an integrity algorithm")]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.Null, IntegrityAlgorithm.None, "ESP with the null cipher needs an integrity algorithm")]
    [InlineData(SaProtocol.Ah, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, "AH authenticates only and takes no cipher")]
    [InlineData(SaProtocol.Ah, null, IntegrityAlgorithm.None, "AH needs an integrity algorithm")]
    [InlineData(SaProtocol.Esp, null, IntegrityAlgorithm.Sha256, "ESP needs a cipher")]
    public void BadSecurityMethod_IsRejected(SaProtocol protocol, CipherAlgorithm? cipher, IntegrityAlgorithm integrity, string expected)
    {
        var action = new FilterAction("A", "", FilterActionKind.Negotiate, EquatableList.Of(new SecurityMethod(protocol, cipher, integrity)));
        var error = Assert.Single(PolicyValidator.ValidateFilterAction(action));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.StartsWith("filter action 'A': ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NonPositiveLifetime_IsRejected() =>
        Assert.Contains("lifetimes must be positive", Assert.Single(PolicyValidator.ValidateSecurityMethod(new SecurityMethod(SaProtocol.Ah, null, IntegrityAlgorithm.Sha256, 0))), StringComparison.Ordinal);

    [Fact]
    public void NegotiateWithoutMethods_AndPermitWithMethods_AreRejected()
    {
        Assert.Contains("needs at least one security method",
            Assert.Single(PolicyValidator.ValidateFilterAction(new FilterAction("N", "", FilterActionKind.Negotiate, EquatableList.Empty<SecurityMethod>()))), StringComparison.Ordinal);
        Assert.Contains("apply only to an action that negotiates security",
            Assert.Single(PolicyValidator.ValidateFilterAction(new FilterAction("P", "", FilterActionKind.Permit, SecurityMethod.Medium))), StringComparison.Ordinal);
        Assert.Contains("apply only to an action that negotiates security",
            Assert.Single(PolicyValidator.ValidateFilterAction(new FilterAction("B", "", FilterActionKind.Block, EquatableList.Empty<SecurityMethod>(), AllowFallbackToClear: true))), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyExchange_BadSettings_AreRejected()
    {
        var snapshot = TestPolicies.Partner();
        var policy = snapshot.FindPolicy("Partner")!;
        snapshot = snapshot.WithPolicy(policy with
        {
            KeyExchange = new KeyExchangeSettings(0, -1, false, EquatableList.Of(new IkeSecurityMethod(CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, DhGroup.Ecp256))),
        });
        var errors = PolicyValidator.Validate(snapshot);
        Assert.Contains("policy 'Partner': the main mode lifetime must be at least 1 minute", errors);
        Assert.Contains("policy 'Partner': quick modes per main mode must be 0 (unlimited) or more", errors);
        Assert.Contains("policy 'Partner': key exchange method null/sha256/ecp256 needs a real cipher, hash and DH group", errors);
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void DuplicateNamesIgnoringCase_AndBlankNames_AreRejected()
    {
        var snapshot = TestPolicies.Partner();
        snapshot = snapshot with { Policies = snapshot.Policies.Append(IpsecPolicy.Create("PARTNER")).Append(IpsecPolicy.Create(" ")).ToEquatableList() };
        var errors = PolicyValidator.Validate(snapshot);
        Assert.Contains("two policy objects are named 'Partner'", errors);
        Assert.Contains("a policy needs a name", errors);
    }

    [Fact]
    public void DeletingAssignedPolicy_IsRefused()
    {
        var snapshot = TestPolicies.Partner() with { AssignedPolicyName = "Partner" };
        var error = Assert.Single(PolicyValidator.CheckDeletePolicy(snapshot, snapshot.FindPolicy("Partner")!));
        Assert.Equal("policy 'Partner' is assigned; unassign it first (rampart policy unassign \"Partner\")", error);
        Assert.Empty(PolicyValidator.CheckDeletePolicy(snapshot, snapshot.FindPolicy(BuiltInPolicies.Client)!));
    }

    [Fact]
    public void DeletingInUseFilterListOrAction_IsRefused()
    {
        var snapshot = TestPolicies.Partner();
        Assert.Equal(
            ["filter list 'All IP Traffic' is used by rule 1 of policy 'Server (Request Security)'; delete that rule first",
             "filter list 'All IP Traffic' is used by rule 1 of policy 'Secure Server (Require Security)'; delete that rule first"],
            PolicyValidator.CheckDeleteFilterList(snapshot, snapshot.FindFilterList("All IP Traffic")!));
        Assert.Equal(
            ["filter action 'Partner Filter Action' is used by rule 1 of policy 'Partner'; delete that rule first"],
            PolicyValidator.CheckDeleteFilterAction(snapshot, snapshot.FindFilterAction("Partner Filter Action")!));
        Assert.Empty(PolicyValidator.CheckDeleteFilterList(snapshot, snapshot.FindFilterList("All ICMP Traffic")!));
    }

    [Fact]
    public void AssignedPolicyMissing_IsRejected() =>
        Assert.Contains("no policy named 'Gone'", Assert.Single(PolicyValidator.Validate(TestPolicies.Partner() with { AssignedPolicyName = "Gone" })), StringComparison.Ordinal);

    private static PolicySnapshot WithPartnerRule(Func<Rule, Rule> change)
    {
        var snapshot = TestPolicies.Partner();
        var policy = snapshot.FindPolicy("Partner")!;
        return snapshot.WithPolicy(policy with { Rules = EquatableList.Of(change(policy.Rules[0])) });
    }

    private static void AssertSingleError(PolicySnapshot snapshot, string expected)
    {
        var error = Assert.Single(PolicyValidator.Validate(snapshot));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static AddressSpec.Host Host(string address) => new(IPAddress.Parse(address));
}
