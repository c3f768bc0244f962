namespace Rampart.Agent.Tests;

public class BatchingWriterTests
{
    [Fact]
    public void WhileTheDiskIsStuck_ItemsPastTheCapacityAreDroppedAndCounted_AddersNeverBlock()
    {
        using var stuck = new ManualResetEventSlim();
        using var committing = new ManualResetEventSlim();
        var committed = new List<int>();
        var gate = new Lock();
        var writer = new BatchingWriter<int>("test writer", gate, batch =>
        {
            committing.Set();
            stuck.Wait();
            committed.AddRange(batch);
        }, capacity: 100);
        try
        {
            Assert.True(writer.TryAdd(0));
            Assert.True(committing.Wait(TimeSpan.FromSeconds(10)));

            // The writer thread is inside the commit of item 0: 100 more wait, the other 9,900 are dropped at once.
            var accepted = Enumerable.Range(1, 10_000).Count(writer.TryAdd);
            Assert.Equal(100, accepted);
            Assert.Equal(9_900, writer.Dropped);
        }
        finally
        {
            stuck.Set();
            writer.Dispose();
        }

        Assert.Equal(Enumerable.Range(0, 101), committed);
        Assert.False(writer.TryAdd(1));
        Assert.Equal(9_900, writer.Dropped);
    }
}
