using Rampart.DataPath.Replay;

namespace Rampart.DataPath.Tests.Replay;

public class ReplayWindowTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void Check_WindowOfSize_AcceptsExactlyTheLastSizeNumbers(int size)
    {
        var window = new ReplayWindow(size, false);
        window.Accept(10_000);

        Assert.True(window.Check((uint)(10_000 - size + 1), out _));
        Assert.False(window.Check((uint)(10_000 - size), out _));
        Assert.False(window.Check(10_000, out _));
        Assert.True(window.Check(10_001, out _));
    }

    [Fact]
    public void Accept_EveryNumberOnce_SecondTimeIsRejected()
    {
        var window = new ReplayWindow(1024, false);
        var random = new Random(6479);
        var seen = new HashSet<uint>();
        uint top = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var candidate = (uint)Math.Max(1, (long)top + random.Next(-1100, 200));
            var expected = !seen.Contains(candidate) && (long)top - candidate < 1024;
            Assert.Equal(expected, window.Check(candidate, out var full));
            if (expected)
            {
                window.Accept(full);
                seen.Add(candidate);
                top = Math.Max(top, candidate);
            }
        }
    }

    [Fact]
    public void Check_SequenceZero_IsNeverValid()
    {
        Assert.False(new ReplayWindow(64, false).Check(0, out _));
    }

    [Fact]
    public void Check_Esn_InfersNextEpochAfterLowHalfWraps()
    {
        var window = new ReplayWindow(64, true);
        window.Accept(0xFFFF_FFF0);

        Assert.True(window.Check(5, out var next));
        Assert.Equal(0x1_0000_0005UL, next);
        window.Accept(next);

        Assert.True(window.Check(0xFFFF_FFF1, out var late));
        Assert.Equal(0xFFFF_FFF1UL, late);
        Assert.False(window.Check(0xFFFF_FFF0, out _));
    }

    [Fact]
    public void Disabled_AcceptsDuplicates()
    {
        var window = new ReplayWindow(0, false);
        window.Accept(7);

        Assert.True(window.Check(7, out _));
        Assert.True(window.Check(1, out _));
    }
}
