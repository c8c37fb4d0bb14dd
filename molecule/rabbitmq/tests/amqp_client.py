"""AMQP client the verifier copies onto a lab node (python3-pika from Debian); not a test module.

It connects over TLS (port 5671), verifying the server certificate against the deployment CA and
the node's name, and prints one JSON line with what it did:

  amqp_client.py HOST publish QUEUE START COUNT   persistent messages START..START+COUNT-1, confirmed
  amqp_client.py HOST count QUEUE                 messages ready in QUEUE
  amqp_client.py HOST consume QUEUE               everything in QUEUE, acknowledged, checked
  amqp_client.py HOST delete QUEUE                delete QUEUE if it exists

User, password and vhost come from the environment: AMQP_USER, AMQP_PASSWORD, AMQP_VHOST.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import sys
import time

import pika

CA_FILE = "/etc/stackwright/pki/ca.crt"


def connect(host: str) -> pika.BlockingConnection:
    context = ssl.create_default_context(cafile=CA_FILE)
    params = pika.ConnectionParameters(
        host=host,
        port=5671,
        virtual_host=os.environ["AMQP_VHOST"],
        credentials=pika.PlainCredentials(os.environ["AMQP_USER"], os.environ["AMQP_PASSWORD"]),
        ssl_options=pika.SSLOptions(context, server_hostname=host),
        connection_attempts=5,
        retry_delay=2,
    )
    return pika.BlockingConnection(params)


def body(seq: int) -> bytes:
    payload = f"message {seq} " + "x" * 200
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return json.dumps({"seq": seq, "payload": payload, "sha256": digest}).encode()


def declare(channel, queue: str, passive: bool = False):
    # No x-queue-type: the vhost's default queue type decides (quorum).
    return channel.queue_declare(queue=queue, durable=True, passive=passive)


def publish(host: str, queue: str, start: int, count: int) -> dict:
    started = time.monotonic()
    with connect(host) as conn:
        channel = conn.channel()
        channel.confirm_delivery()
        declare(channel, queue)
        for seq in range(start, start + count):
            # With confirms on, a nack or an unroutable message raises: every return is a confirm.
            channel.basic_publish(
                exchange="",
                routing_key=queue,
                body=body(seq),
                properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent),
                mandatory=True,
            )
    return {"published": count, "seconds": round(time.monotonic() - started, 2)}


def count(host: str, queue: str) -> dict:
    with connect(host) as conn:
        result = declare(conn.channel(), queue, passive=True)
    return {"messages": result.method.message_count}


def consume(host: str, queue: str) -> dict:
    seqs, corrupt, redelivered = [], 0, 0
    started = time.monotonic()
    with connect(host) as conn:
        channel = conn.channel()
        declare(channel, queue, passive=True)
        while True:
            method, _props, data = channel.basic_get(queue=queue, auto_ack=False)
            if method is None:
                break
            message = json.loads(data)
            if hashlib.sha256(message["payload"].encode()).hexdigest() != message["sha256"]:
                corrupt += 1
            if method.redelivered:
                redelivered += 1
            seqs.append(message["seq"])
            channel.basic_ack(method.delivery_tag)
        left = declare(channel, queue, passive=True).method.message_count
    unique = sorted(set(seqs))
    return {
        "received": len(seqs),
        "unique": len(unique),
        "first": unique[0] if unique else None,
        "last": unique[-1] if unique else None,
        "in_order": seqs == sorted(seqs),
        "corrupt": corrupt,
        "redelivered": redelivered,
        "left": left,
        "seconds": round(time.monotonic() - started, 2),
    }


def delete(host: str, queue: str) -> dict:
    with connect(host) as conn:
        conn.channel().queue_delete(queue=queue)
    return {"deleted": queue}


def main(argv: list[str]) -> int:
    host, command, queue, *rest = argv
    if command == "publish":
        result = publish(host, queue, int(rest[0]), int(rest[1]))
    elif command == "count":
        result = count(host, queue)
    elif command == "consume":
        result = consume(host, queue)
    elif command == "delete":
        result = delete(host, queue)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
