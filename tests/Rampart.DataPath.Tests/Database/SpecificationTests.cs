using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.DataPath.Tests.Database;

public class SpecificationTests
{
    [Fact]
    public void ToString_NeverShowsKeyBytes()
    {
        var spec = new SecurityAssociationSpec
        {
            Spi = 0x1234,
            Direction = SaDirection.Outbound,
            LocalAddress = IPAddress.Parse("192.0.2.1"),
            RemoteAddress = IPAddress.Parse("192.0.2.2"),
            Cipher = CipherAlgorithm.AesGcm128,
            CipherKey = KeyMaterial.FromHex("00112233445566778899aabbccddeeff01020304"),
        };

        var text = spec.ToString();

        Assert.DoesNotContain("00112233", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("***", text, StringComparison.Ordinal);
        Assert.Contains("aes-gcm-128", text, StringComparison.Ordinal);
        Assert.True(spec.IsValid(out _));
    }

    [Fact]
    public void IsValid_WrongKeyLengthOrMissingTunnelEndpoints_SaysWhy()
    {
        var spec = new SecurityAssociationSpec
        {
            Spi = 0x1234,
            Direction = SaDirection.Outbound,
            LocalAddress = IPAddress.Parse("192.0.2.1"),
            RemoteAddress = IPAddress.Parse("192.0.2.2"),
            Cipher = CipherAlgorithm.AesGcm128,
            CipherKey = KeyMaterial.FromHex("00112233445566778899aabbccddeeff"),
        };

        Assert.False(spec.IsValid(out var keyError));
        Assert.Contains("20 key bytes", keyError, StringComparison.Ordinal);
        Assert.False((spec with { Mode = SaMode.Tunnel, CipherKey = new KeyMaterial(new byte[20]) }).IsValid(out var tunnelError));
        Assert.Contains("tunnel", tunnelError, StringComparison.Ordinal);
    }

    [Fact]
    public void IsValid_AWeak3DesKey_IsRefusedWithTheReason_NotLeftToThrowWhenTheSaIsInstalled()
    {
        // Found while writing the fuzz harness: such a manual key passed validation and then threw in the transform.
        var third = "0123456789abcdef";
        var spec = new SecurityAssociationSpec
        {
            Spi = 0x1234,
            Direction = SaDirection.Inbound,
            LocalAddress = IPAddress.Parse("192.0.2.1"),
            RemoteAddress = IPAddress.Parse("192.0.2.2"),
            Cipher = CipherAlgorithm.TripleDes,
            CipherKey = KeyMaterial.FromHex(third + third + "fedcba9876543210"),
            Integrity = IntegrityAlgorithm.Sha1,
            IntegrityKey = new KeyMaterial(new byte[20]),
        };

        Assert.False(spec.IsValid(out var error));
        Assert.Contains("weak key", error, StringComparison.Ordinal);
        Assert.True((spec with { CipherKey = KeyMaterial.FromHex(third + "fedcba9876543210" + "0011223344556677") }).IsValid(out _));
    }

    [Fact]
    public void KeyMaterial_DisposeZeroesAndComparesInConstantTime()
    {
        var a = KeyMaterial.FromHex("0102");
        var b = KeyMaterial.FromHex("0102");

        Assert.True(a.FixedTimeEquals(b));
        a.Dispose();
        Assert.Equal(new byte[2], a.Span.ToArray());
        Assert.False(a.FixedTimeEquals(b));
    }
}
