/**
 * What a task is: {@link io.github.mtldl4j.task.Task} (name, type, output width, loss, activation, weight, head)
 * and {@link io.github.mtldl4j.task.TaskType} with its default loss and activation.
 */
package io.github.mtldl4j.task;
