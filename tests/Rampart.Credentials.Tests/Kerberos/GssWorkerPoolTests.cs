using Microsoft.Extensions.Time.Testing;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>The off-loop workers with a fake clock: a blocked call times out while others are served; nothing runs on the caller's or the pool's threads.</summary>
public sealed class GssWorkerPoolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ACall_RunsOnADedicatedThread()
    {
        using var pool = new GssWorkerPool(2, 8, _time);

        var result = await pool.RunAsync(() => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId), Timeout);

        Assert.True(result.Succeeded);
        Assert.StartsWith("gss worker ", result.Value.Name, StringComparison.Ordinal);
        Assert.False(result.Value.IsThreadPoolThread);
        Assert.NotEqual(Environment.CurrentManagedThreadId, result.Value.CurrentManagedThreadId);
    }

    [Fact]
    public async Task ABlockedCall_TimesOut_WhileAnotherCallIsServed_AndFinishesInTheBackground()
    {
        using var pool = new GssWorkerPool(2, 8, _time);
        using var kdc = new ManualResetEventSlim();
        var finished = new TaskCompletionSource();

        var blocked = pool.RunAsync(() =>
        {
            kdc.Wait();
            finished.SetResult();
            return "ticket";
        }, Timeout);
        await WaitUntil(() => pool.Busy == 1);

        var other = await pool.RunAsync(() => "served", Timeout);
        Assert.Equal("served", other.Value);
        Assert.False(blocked.IsCompleted);

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.False(blocked.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var failure = await blocked;

        Assert.Equal(GssFailureReason.Timeout, failure.Failure);
        Assert.Contains("no answer within 5 s", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.Busy);
        kdc.Set();
        await finished.Task;
        await WaitUntil(() => pool.Busy == 0);
    }

    [Fact]
    public async Task WithEveryWorkerBlocked_AQueuedCallTimesOut_AndNeverRuns()
    {
        using var pool = new GssWorkerPool(1, 8, _time);
        using var kdc = new ManualResetEventSlim();
        var blocked = pool.RunAsync(() => kdc.Wait(Timeout * 10), Timeout);
        await WaitUntil(() => pool.Busy == 1);
        var ran = false;

        var queued = pool.RunAsync(() => ran = true, Timeout);
        _time.Advance(Timeout);
        var failure = await queued;
        await blocked;
        kdc.Set();
        await WaitUntil(() => pool.Busy == 0);
        await pool.RunAsync(() => true, Timeout);

        Assert.Equal(GssFailureReason.Timeout, failure.Failure);
        Assert.Contains("every Kerberos worker is blocked", failure.Message, StringComparison.Ordinal);
        Assert.False(ran);
    }

    [Fact]
    public async Task AFullQueue_IsOverloaded_AtOnce()
    {
        using var pool = new GssWorkerPool(1, 1, _time);
        using var kdc = new ManualResetEventSlim();
        _ = pool.RunAsync(() => kdc.Wait(Timeout * 10), Timeout);
        await WaitUntil(() => pool.Busy == 1);
        _ = pool.RunAsync(() => true, Timeout);

        var refused = await pool.RunAsync(() => true, Timeout);

        Assert.Equal(GssFailureReason.Overloaded, refused.Failure);
        kdc.Set();
    }

    [Fact]
    public async Task AnException_ReachesTheCaller()
    {
        using var pool = new GssWorkerPool(1, 1, _time);

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.RunAsync<int>(() => throw new InvalidOperationException("native"), Timeout));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
