using Microsoft.Extensions.Time.Testing;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.Tests.Database;

public class DatabaseTests
{
    private static readonly Binding FilterOne = new(0, 1, 0xC000_0201, 0xC000_0202, false);

    [Fact]
    public void TryAddInbound_DuplicateSpi_IsRefused()
    {
        var (_, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());

        Assert.True(database.TryAddInbound(inbound, out var first));
        Assert.False(database.TryAddInbound(inbound, out _));
        Assert.True(database.TryGetInbound(inbound.Spi, out var found));
        Assert.Same(first, found);
    }

    [Fact]
    public void AddOutbound_SameKey_ReplacesAndReturnsPrevious()
    {
        var (outbound, _) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());

        var old = database.AddOutbound(FilterOne, outbound, out var none);
        var rekeyed = database.AddOutbound(FilterOne, outbound with { Spi = 0x2000 }, out var replaced);

        Assert.Null(none);
        Assert.Same(old, replaced);
        Assert.True(database.TryGetOutbound(FilterOne, out var current));
        Assert.Same(rekeyed, current);
        Assert.True(database.RemoveOutbound(FilterOne));
        Assert.False(database.TryGetOutbound(FilterOne, out _));
    }

    [Fact]
    public void NewInboundSpi_IsNotReservedAndNotInUse()
    {
        var (_, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());
        database.TryAddInbound(inbound, out _);

        var spis = Enumerable.Range(0, 1000).Select(_ => database.NewInboundSpi()).ToList();

        Assert.All(spis, spi => Assert.True(spi >= 256 && spi != inbound.Spi));
        Assert.True(spis.Distinct().Count() > 990);
    }

    [Fact]
    public void Constructor_InvalidSpec_Throws()
    {
        var (outbound, _) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());

        Assert.Throws<ArgumentException>(() => database.AddOutbound(FilterOne, outbound with { Spi = 5 }, out _));
    }
}
