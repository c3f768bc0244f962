namespace Rampart.TestLab;

/// <summary>Polling for what a real process does in its own time (a ping answered, a policy applied).</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true; fails with <paramref name="what"/> at the deadline.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            Thread.Sleep(100);
        }
    }
}
