using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Tests.Policy;

public class ModelDefaultsTests
{
    [Fact]
    public void NewPolicy_HasWalkthroughKeyExchangeDefaults()
    {
        var policy = IpsecPolicy.Create("P");

        Assert.True(policy.DefaultResponseRule);
        Assert.Empty(policy.Rules);
        Assert.Equal(480, policy.KeyExchange.MainModeLifetimeMinutes);
        Assert.Equal(0, policy.KeyExchange.QuickModesPerMainMode);
        Assert.False(policy.KeyExchange.MasterKeyPfs);
        Assert.Equal(
            [new IkeSecurityMethod(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256), new IkeSecurityMethod(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048)],
            policy.KeyExchange.Methods);
        Assert.DoesNotContain(policy.KeyExchange.Methods, m => m.IsLegacy);
    }

    [Fact]
    public void SecurityMethod_DefaultLifetimes_Are900SecondsAnd2GB()
    {
        var method = new SecurityMethod(SaProtocol.Ah, null, IntegrityAlgorithm.Sha256);

        Assert.Equal(900, method.LifetimeSeconds);
        Assert.Equal(2_097_152, method.LifetimeKilobytes);
        Assert.Equal(TimeSpan.FromMinutes(5), PolicyDefaults.IdleSaTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), PolicyDefaults.FailedNegotiationBlock);
    }

    [Fact]
    public void Filter_IsMirroredAndAnyProtocolByDefault()
    {
        var filter = new Filter(AddressSpec.Me, AddressSpec.Any);

        Assert.True(filter.Mirrored);
        Assert.Null(filter.Protocol);
        Assert.Null(filter.SourcePort);
        Assert.Null(filter.DestinationPort);
    }

    [Fact]
    public void HighAndMedium_AreEspWithEncryptionThenAhIntegrityOnly()
    {
        Assert.Equal(["esp:aes-gcm-128", "esp:aes-cbc-128/sha256"], SecurityMethod.High.Select(m => m.ToString()));
        Assert.Equal(["ah:sha256"], SecurityMethod.Medium.Select(m => m.ToString()));
    }

    [Fact]
    public void DefaultResponseRule_RespondsWithKerberosAndHighThenMedium()
    {
        Assert.Equal([AuthenticationMethod.Kerberos], DefaultResponse.Rule.AuthenticationMethods);
        Assert.Equal(FilterActionKind.Negotiate, DefaultResponse.FilterAction.Kind);
        Assert.Equal(SecurityMethod.High.Concat(SecurityMethod.Medium), DefaultResponse.FilterAction.SecurityMethods);
        Assert.Null(DefaultResponse.Rule.TunnelEndpoint);
    }

    [Fact]
    public void EquatableList_ComparesByItems()
    {
        Assert.Equal(EquatableList.Of(1, 2), EquatableList.Of(1, 2));
        Assert.NotEqual(EquatableList.Of(1, 2), EquatableList.Of(2, 1));
        Assert.Equal(EquatableList.Of("a").GetHashCode(), EquatableList.Of("a").GetHashCode());
    }
}
