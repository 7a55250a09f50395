package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ParamsTest {
    private static final byte[] JSON = "{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aBodyJoinedIntoItsOwnArrayIsReadWithoutACopy() {
        byte[] joined = JSON.clone();
        assertThat(Params.bytes(BufferInternal.buffer(Unpooled.wrappedBuffer(joined)))).isSameAs(joined);
    }

    @Test
    void aPooledOrPartialBufferIsCopied() {
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.heapBuffer(JSON.length, JSON.length).writeBytes(JSON);
        try {
            byte[] read = Params.bytes(BufferInternal.buffer(pooled));
            assertThat(read).isEqualTo(JSON).isNotSameAs(pooled.array());
        } finally {
            pooled.release();
        }
        byte[] larger = new byte[JSON.length + 5];
        System.arraycopy(JSON, 0, larger, 2, JSON.length);
        byte[] read = Params.bytes(BufferInternal.buffer(Unpooled.wrappedBuffer(larger, 2, JSON.length)));
        assertThat(read).isEqualTo(JSON);
        assertThat(Params.bytes(Buffer.buffer("{}"))).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        assertThat(Params.bytes(null)).isNull();
    }
}
