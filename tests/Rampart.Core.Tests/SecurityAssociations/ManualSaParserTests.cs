using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.Control;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Tests.SecurityAssociations;

/// <summary><c>rampart sa add</c>'s arguments read in Core: direction from the host's addresses, algorithms and keys, and clear errors.</summary>
public sealed class ManualSaParserTests
{
    private static readonly IPAddress[] HostA = [IPAddress.Parse("192.0.2.1")];
    private static readonly IPAddress[] HostB = [IPAddress.Parse("192.0.2.2")];

    [Fact]
    public void SameCommand_IsOutboundOnTheSource_AndInboundOnTheDestination()
    {
        var arguments = Arguments();

        Assert.True(ManualSaParser.TryParse(arguments, HostA, out var onA, out _));
        Assert.True(ManualSaParser.TryParse(arguments, HostB, out var onB, out _));

        Assert.Equal((SaDirection.Outbound, "192.0.2.1", "192.0.2.2"), (onA.Direction, onA.LocalAddress.ToString(), onA.RemoteAddress.ToString()));
        Assert.Equal((SaDirection.Inbound, "192.0.2.2", "192.0.2.1"), (onB.Direction, onB.LocalAddress.ToString(), onB.RemoteAddress.ToString()));
        Assert.Equal((0x1001u, SaProtocol.Esp, CipherAlgorithm.AesGcm128), (onA.Spi, onA.Protocol, onA.Cipher));
        Assert.True(onA.CipherKey.FixedTimeEquals(onB.CipherKey));
    }

    [Theory]
    [InlineData("aes-gcm-128:zz", "not hexadecimal")]
    [InlineData("aes-gcm-128", "ALGORITHM:HEXKEY")]
    [InlineData("rot13:00", "rot13")]
    public void BadAeadArgument_IsRefusedWithAMessage(string aead, string expected)
    {
        Assert.False(ManualSaParser.TryParse(Arguments(aead), HostA, out var spec, out var error));
        Assert.Null(spec);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AddressesOfAnotherHost_AreRefused()
    {
        Assert.False(ManualSaParser.TryParse(Arguments(), [IPAddress.Parse("198.51.100.7")], out _, out var error));
        Assert.Contains("is an address of this host", error, StringComparison.Ordinal);
    }

    private static SaAddArguments Arguments(string aead = "aes-gcm-128:0x00112233445566778899aabbccddeeff01020304") => new()
    {
        Src = "192.0.2.1",
        Dst = "192.0.2.2",
        Proto = "esp",
        Spi = 0x1001,
        Aead = aead,
    };
}
