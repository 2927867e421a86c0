/**
 * Messages that name settings: a library message names the API call ({@link io.github.mtldl4j.setting.Setting#api()});
 * a front end such as the command line renders the same message with its own names ({@link
 * io.github.mtldl4j.setting.MentionsSettings#message}).
 */
package io.github.mtldl4j.setting;
