using Rampart.DataPath;
using Rampart.Fuzz.Targets;
using Rampart.Ike;

namespace Rampart.Fuzz.Tests;

/// <summary>The targets reach the code behind the checks they are meant to pass, so mutations of the seeds go deep.</summary>
public class HarnessTests
{
    [Theory]
    [InlineData("setup0-qm1-plain")]
    [InlineData("setup1-qm1-plain")]
    public void IkeEngine_SealedQuickModeSeed_IsAnsweredAndKeysAnInboundSa(string seed)
    {
        var target = new IkeEngineTarget();

        target.Run(FuzzInputs.Read("corpus", "ike-engine", seed));

        Assert.Contains(target.LastActions, a => a is SendDatagram);
        Assert.Contains(target.LastActions, a => a is InstallInboundIpsecSa);
    }

    [Theory]
    [InlineData("setup0-cert-mm5-plain")]
    [InlineData("setup0-cert-mm6-plain")]
    public void IkeEngine_SealedSignedIdentitySeed_ReachesTheSignatureCheck(string seed)
    {
        var target = new IkeEngineTarget();

        target.Run(FuzzInputs.Read("corpus", "ike-engine", seed));

        // The seed's certificate parses and its key fits ECDSA-256; its signature was made in another negotiation.
        Assert.Contains(target.LastActions, a => a is IkeAuditEvent { Kind: IkeAuditKind.NegotiationFailed } audit && audit.Detail.Contains("signature does not verify", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("setup0-informational-plain-r")]
    [InlineData("setup0-informational-plain-i")]
    public void IkeEngine_SealedDpdSeed_IsAcknowledged(string seed)
    {
        var target = new IkeEngineTarget();

        target.Run(FuzzInputs.Read("corpus", "ike-engine", seed));

        Assert.Contains(target.LastActions, a => a is SendDatagram);
    }

    [Theory]
    [InlineData("wire-0")]
    [InlineData("wire-4")]
    [InlineData("wire-7")]
    [InlineData("protect-2")]
    [InlineData("protect-6")]
    [InlineData("null-esp-3")]
    public void Esp_Seed_IsAuthenticatedAndUnprotected(string seed)
    {
        var target = new EspTarget();

        target.Run(FuzzInputs.Read("corpus", "esp", seed));

        Assert.Equal(PacketStatus.Ok, target.LastStatus);
    }

    [Fact]
    public void Esp_NullSaMode_AuthenticatesAChangedTrailer()
    {
        var target = new EspTarget();
        var input = FuzzInputs.Read("corpus", "esp", "null-esp-3");
        input[^17] ^= 0x01;

        target.Run(input);

        // The harness recomputed the ICV, so the change got past authentication to the trailer checks.
        Assert.NotEqual(PacketStatus.AuthenticationFailed, target.LastStatus);
    }
}
